package auditapp

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/domain/pirep"
	"github.com/skyledger/skyledger/internal/httpapi"
)

// A bad filter is a 400 naming its query parameter.
func TestParseFilterNamesTheBadField(t *testing.T) {
	t.Parallel()
	const id = "01JDA0000000000000000PREP1"
	p := domain.Principal{UserID: "01JDA000000000000000000PS1", TenantID: "01JDA0000000000000000TENA1", Role: domain.RoleTenantAdmin}
	tests := []struct {
		name  string
		query map[string]string
		field string // "" = accepted
	}{
		{"pirep stream", map[string]string{"stream_id": pirep.Stream(id)}, ""},
		{"user stream", map[string]string{"stream_id": identity.StreamUser(id)}, ""},
		{"stream id not an id", map[string]string{"stream_id": "pirep-x"}, "stream_id"},
		{"stream id lower case", map[string]string{"stream_id": "pirep-01jda0000000000000000prep1"}, "stream_id"},
		{"stream prefix alone", map[string]string{"stream_id": "pirep-"}, "stream_id"},
		{"undeclared stream prefix", map[string]string{"stream_id": "aircraft-" + id}, "stream_id"},
		{"empty stream id", map[string]string{"stream_id": ""}, "stream_id"},
		{"bad actor", map[string]string{"actor": "x"}, "actor"},
		{"bad type", map[string]string{"type": "nodot"}, "type"},
		{"bad format", map[string]string{"format": "xml"}, "format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := parseFilter(p, httpapi.Request{QueryStringParameters: tt.query})
			if tt.field == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.query["stream_id"], f.stream)
				return
			}
			var fe *domain.FieldError
			require.True(t, errors.As(err, &fe), "%v", err)
			assert.Equal(t, tt.field, fe.Field)
			assert.ErrorIs(t, err, domain.ErrValidation)
		})
	}
}
