package contexts_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/contexts"
	"github.com/skyledger/skyledger/internal/golden"
	"github.com/skyledger/skyledger/internal/openapitest"
)

// docs/openapi.yaml documents exactly the declared routes.
func TestOpenAPIPathsAreTheRegistry(t *testing.T) {
	t.Parallel()
	doc := openapitest.Doc(t)
	var documented []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	var declared []string
	for _, r := range contexts.Routes() {
		declared = append(declared, r.Key())
	}
	slices.Sort(documented)
	slices.Sort(declared)
	assert.Equal(t, declared, documented)
}

// docs/websocket.md's channel table lists exactly the declared channel kinds.
func TestWebSocketDocChannelsAreTheRegistry(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "docs", "websocket.md"))
	require.NoError(t, err)
	text := string(b)
	start := strings.Index(text, "| channel | who may subscribe |")
	require.GreaterOrEqual(t, start, 0, "channel table")
	var documented []string
	row := regexp.MustCompile("^\\| `([^`]+)` \\|")
	for _, line := range strings.Split(text[start:], "\n")[2:] {
		m := row.FindStringSubmatch(line)
		if m == nil {
			break
		}
		documented = append(documented, m[1])
	}
	var declared []string
	for _, k := range contexts.Channels() {
		declared = append(declared, k.Pattern())
	}
	slices.Sort(documented)
	slices.Sort(declared)
	assert.Equal(t, declared, documented)
}

// testdata/registry.json is the registry's event types and stream prefixes
// as the console's tests read them (web/src/ws/mapper.test.ts), so a new
// context's events fail there until the console maps them. go test
// ./contexts -update rewrites it.
func TestRegistryFileIsTheRegistry(t *testing.T) {
	t.Parallel()
	var prefixes []string
	for _, c := range contexts.All {
		prefixes = append(prefixes, c.StreamPrefixes...)
	}
	types := contexts.EventTypes()
	slices.Sort(prefixes)
	slices.Sort(types)
	b, err := json.MarshalIndent(struct {
		EventTypes     []string `json:"event_types"`
		StreamPrefixes []string `json:"stream_prefixes"`
	}{types, prefixes}, "", "  ")
	require.NoError(t, err)
	golden.Equal(t, filepath.Join("testdata", "registry.json"), append(b, '\n'))
}
