package pirep_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/pirep"
)

const (
	tenantA = "01JTENANTA0000000000000000"
	tenantB = "01JTENANTB0000000000000000"
)

func principal(role domain.Role, tenant, user string) domain.Principal {
	return domain.Principal{UserID: user, TenantID: tenant, Role: role, KeyID: "k"}
}

func TestSubmitText(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 26, 0, 30, 0, 0, time.UTC)
	pilot := principal(domain.RolePilot, tenantA, "u1")
	d, err := pirep.Submit("P1", tenantA, pilot, pirep.Submission{Raw: "PUB UA /OV PUB 243022/TM 0010/FL160/TP COL4/TB MOD-SEV/RM CWSU ZDV="}, at)
	require.NoError(t, err)
	assert.Equal(t, pirep.Urgent, d.Type, "a rule fires: automatic UUA")
	assert.True(t, d.Urgent)
	assert.Equal(t, []string{pirep.ReasonTurbulence}, d.UrgentReasons)
	assert.Equal(t, "PUB UUA /OV PUB243022/TM 0010/FL160/TP COL4/TB MOD-SEV/RM CWSU ZDV", d.Raw)
	assert.Equal(t, time.Date(2026, 11, 26, 0, 10, 0, 0, time.UTC), d.ObservedAt)
	assert.Equal(t, "text", d.Source)
	assert.Equal(t, pirep.Urgent, d.Report.Type)

	up, err := pirep.Submit("P2", tenantA, pilot, pirep.Submission{Raw: "UUA /OV ABC/TM 0010/FL100/TP C172/TB LGT"}, at)
	require.NoError(t, err)
	assert.Equal(t, pirep.Urgent, up.Type, "manual upgrade kept")
	assert.Empty(t, up.UrgentReasons)

	manual, err := pirep.Submit("P4", tenantA, pilot, pirep.Submission{Raw: "UA /OV ABC/TM 0010/FL100/TP C172/TB LGT", Upgrade: true}, at)
	require.NoError(t, err)
	assert.Equal(t, pirep.Urgent, manual.Type, "Upgrade is a manual upgrade")
	assert.Equal(t, "UUA /OV ABC/TM 0010/FL100/TP C172/TB LGT", manual.Raw)

	_, err = pirep.Submit("P3", tenantA, pilot, pirep.Submission{Raw: "UA /OV ABC/TM 0010"}, at)
	var pe *pirep.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "FL", pe.Element)
}

func TestSubmitJSON(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	admin := principal(domain.RoleTenantAdmin, tenantA, "u2")
	decode := func(s string) *pirep.Report {
		var r pirep.Report
		require.NoError(t, json.Unmarshal([]byte(s), &r))
		return &r
	}
	base := `"location":{"points":[{"fix":"KJFK","radial":90,"distance":10}]},"time":"1150","altitude":{"level":80},"aircraft_type":"B738"`
	d, err := pirep.Submit("P1", tenantA, admin, pirep.Submission{Report: decode(`{` + base + `,"icing":[{"intensity":"SEVERE","type":"MXD"}]}`)}, at)
	require.NoError(t, err)
	assert.Equal(t, pirep.Urgent, d.Type)
	assert.Equal(t, "UUA /OV KJFK090010/TM 1150/FL080/TP B738/IC SEV MX", d.Raw)
	assert.Equal(t, "json", d.Source)

	_, err = pirep.Submit("P2", tenantA, admin, pirep.Submission{Report: decode(`{"type":"UA",` + base + `,"turbulence":[{"intensity":"SEV"}]}`)}, at)
	var de *pirep.DowngradeError
	require.ErrorAs(t, err, &de, "explicit UA on an urgent report is refused")

	_, err = pirep.Submit("P3", tenantA, admin, pirep.Submission{Report: decode(`{` + base + `,"turbulence":[{"intensity":"BAD"}]}`)}, at)
	var fe *domain.FieldError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "turbulence[0].intensity", fe.Field)

	_, err = pirep.Submit("P4", tenantA, admin, pirep.Submission{Report: decode(`{` + base + `}`)}, at)
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "report", fe.Field, "no weather element")

	_, err = pirep.Submit("P5", tenantA, admin, pirep.Submission{}, at)
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "raw", fe.Field)

	lat := 38.5
	d, err = pirep.Submit("P6", tenantA, admin, pirep.Submission{Report: &pirep.Report{
		Location: pirep.Location{Points: []pirep.Point{{Lat: &lat, Lon: ptr(-144.3)}}}, Time: "1100",
		Altitude: pirep.Altitude{Unknown: true}, AircraftType: "UNKN", Temperature: ptr(-5)}}, at)
	require.NoError(t, err)
	assert.Equal(t, "UA /OV 3830N14418W/TM 1100/FLUNKN/TP UNKN/TA M05", d.Raw)
	assert.InDelta(t, -144.3, *d.Report.Location.Points[0].Lon, 1.0/60)

	// text fields of the structured form are decoded again: a client may
	// send back what it read; what still does not decode keeps its warning
	d, err = pirep.Submit("P7", tenantA, admin, pirep.Submission{Report: decode(`{` + base +
		`,"sky":[{"text":"040 BKN 065"}],"turbulence":[{"text":"MOD UNKN"}],"wind_text":"VRB05KT"}`)}, at)
	require.NoError(t, err)
	assert.Equal(t, "UA /OV KJFK090010/TM 1150/FL080/TP B738/SK BKN040-TOP065/WV VRB05KT/TB MOD UNKN", d.Raw)
	require.Len(t, d.Report.Warnings, 2)
	assert.Equal(t, "/WV", d.Report.Warnings[0].Element)
	assert.Equal(t, "/TB", d.Report.Warnings[1].Element)

	// kept text cannot make the report longer than a report may be
	_, err = pirep.Submit("P8", tenantA, admin, pirep.Submission{Report: decode(`{` + base +
		`,"weather":{"text":"` + strings.Repeat("HEAVY RAIN ", 120) + `X"}}`)}, at)
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "report", fe.Field)
}

func TestSubmitAuthorization(t *testing.T) {
	t.Parallel()
	at := time.Now()
	raw := pirep.Submission{Raw: "UA /OV ABC/TM 0010/FL100/TP C172/TB LGT"}
	tests := []struct {
		name   string
		p      domain.Principal
		tenant string
		want   error
	}{
		{"pilot own", principal(domain.RolePilot, tenantA, "u"), tenantA, nil},
		{"tenant_admin own", principal(domain.RoleTenantAdmin, tenantA, "u"), tenantA, nil},
		{"platform_admin other", principal(domain.RolePlatformAdmin, tenantB, "u"), tenantA, nil},
		{"viewer own", principal(domain.RoleViewer, tenantA, "u"), tenantA, domain.ErrForbidden},
		{"pilot other", principal(domain.RolePilot, tenantB, "u"), tenantA, domain.ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := pirep.Submit("P", tc.tenant, tc.p, raw, at)
			if tc.want == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tc.want)
			}
		})
	}
}

func TestFoldAndRetract(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	pilot := principal(domain.RolePilot, tenantA, "u1")
	d, err := pirep.Submit("P1", tenantA, pilot, pirep.Submission{Raw: "UA /OV KJFK/TM 1150/FL100/TP C172/TB SEV"}, at)
	require.NoError(t, err)
	b, err := json.Marshal(d)
	require.NoError(t, err)
	p, err := pirep.Fold([]pirep.Recorded{{Type: pirep.EventSubmitted, Version: 1, Data: b}})
	require.NoError(t, err)
	assert.Equal(t, int64(1), p.Version)
	assert.Nil(t, p.Retracted)
	ll, ok := p.Report.Position()
	require.True(t, ok)
	assert.InDelta(t, 40.64, ll.Lat, 0.01)

	tests := []struct {
		name   string
		actor  domain.Principal
		reason string
		want   error
	}{
		{"other pilot", principal(domain.RolePilot, tenantA, "u9"), "dup", domain.ErrForbidden},
		{"viewer", principal(domain.RoleViewer, tenantA, "u8"), "dup", domain.ErrForbidden},
		{"other tenant admin", principal(domain.RoleTenantAdmin, tenantB, "u7"), "dup", domain.ErrNotFound},
		{"empty reason", pilot, "  ", domain.ErrValidation},
		{"submitter", pilot, "duplicate", nil},
		{"tenant admin", principal(domain.RoleTenantAdmin, tenantA, "u6"), "wrong", nil},
		{"platform admin", principal(domain.RolePlatformAdmin, tenantB, "u5"), "spam", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := p.Retract(tc.actor, tc.reason, at)
			if tc.want != nil {
				assert.ErrorIs(t, err, tc.want)
				return
			}
			require.NoError(t, err)
			assert.True(t, r.Urgent)
			assert.Equal(t, tc.actor.UserID, r.RetractedBy)
		})
	}

	r, err := p.Retract(pilot, "duplicate", at)
	require.NoError(t, err)
	rb, err := json.Marshal(r)
	require.NoError(t, err)
	p2, err := pirep.Fold([]pirep.Recorded{{Type: pirep.EventSubmitted, Version: 1, Data: b}, {Type: pirep.EventRetracted, Version: 2, Data: rb}})
	require.NoError(t, err)
	require.NotNil(t, p2.Retracted)
	assert.Equal(t, "duplicate", p2.Retracted.Reason)
	assert.Equal(t, int64(2), p2.Version)
	_, err = p2.Retract(pilot, "again", at)
	assert.ErrorIs(t, err, domain.ErrConflict)

	_, err = pirep.Fold([]pirep.Recorded{{Type: "pirep.exploded", Version: 1, Data: b}})
	assert.Error(t, err)
}
