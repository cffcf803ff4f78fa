package contexts_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/contexts"
	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/domain/pirep"
)

const id = "01JDA0000000000000000TEST1"

// Every aggregate's stream belongs to exactly one context.
func TestStreamsBelongToOneContext(t *testing.T) {
	t.Parallel()
	for _, stream := range []string{identity.StreamTenant(id), identity.StreamUser(id), identity.StreamAPIKey(id), pirep.Stream(id)} {
		assert.True(t, contexts.OwnsStream(stream), stream)
	}
	assert.False(t, contexts.OwnsStream("aircraft-"+id))
	assert.False(t, contexts.OwnsStream("pirep-"))
	owner := map[string]string{}
	for _, c := range contexts.All {
		for _, p := range c.StreamPrefixes {
			require.NotContains(t, owner, p, "prefix %s declared by %s and %s", p, owner[p], c.Name)
			owner[p] = c.Name
		}
	}
}

// Every event type is named after a stream prefix of its context and
// belongs to that context alone.
func TestEventTypesBelongToOneContext(t *testing.T) {
	t.Parallel()
	require.Subset(t, contexts.EventTypes(), identity.EventTypes)
	require.Subset(t, contexts.EventTypes(), pirep.EventTypes)
	owner := map[string]string{}
	for _, c := range contexts.All {
		for _, typ := range c.EventTypes {
			require.NotContains(t, owner, typ, "event type %s declared by %s and %s", typ, owner[typ], c.Name)
			owner[typ] = c.Name
			prefix, what, ok := strings.Cut(typ, ".")
			assert.True(t, ok && what != "", "%s: not <stream prefix>.<what happened>", typ)
			assert.Contains(t, c.StreamPrefixes, prefix, "%s: %s declares no stream prefix %q", typ, c.Name, prefix)
		}
	}
}

func TestSplitStream(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, stream, prefix, id string
		ok                       bool
	}{
		{"identity", identity.StreamUser(id), identity.StreamPrefixUser, id, true},
		{"pirep", pirep.Stream(id), pirep.StreamPrefix, id, true},
		{"any rest", "pirep-x", pirep.StreamPrefix, "x", true},
		{"no id", "pirep-", "", "", false},
		{"no dash", "pirep" + id, "", "", false},
		{"undeclared prefix", "aircraft-" + id, "", "", false},
		{"empty", "", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			prefix, rest, ok := contexts.SplitStream(tt.stream)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.prefix, prefix)
			assert.Equal(t, tt.id, rest)
			assert.Equal(t, tt.ok, contexts.OwnsStream(tt.stream))
		})
	}
}

// Route keys are unique, and every channel kind's action is in the matrix.
func TestDeclarationsAreConsistent(t *testing.T) {
	t.Parallel()
	keys := map[string]bool{}
	for _, r := range contexts.Routes() {
		assert.False(t, keys[r.Key()], "duplicate route %s", r.Key())
		keys[r.Key()] = true
		assert.Contains(t, []domain.Side{domain.SideCommand, domain.SideQuery}, r.Side, r.Key())
		assert.True(t, strings.HasPrefix(r.Path, "/api/"), r.Key())
	}
	patterns := map[string]bool{}
	for _, k := range contexts.Channels() {
		assert.False(t, patterns[k.Pattern()], "duplicate channel kind %s", k.Pattern())
		patterns[k.Pattern()] = true
		assert.Contains(t, domain.Matrix, k.Action, "%s: action %s has no row in the permission matrix", k.Pattern(), k.Action)
	}
}
