package pirep_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/pirep"
)

func mustParse(t *testing.T, s string) pirep.Report {
	t.Helper()
	r, err := pirep.Parse(s)
	require.NoError(t, err, s)
	return r
}

func TestUrgentReasons(t *testing.T) {
	t.Parallel()
	const head = "UA /OV ABC/TM 1200/FL100/TP B738"
	tests := []struct {
		name string
		tail string
		want []string
	}{
		{"routine", "/TB LGT-MOD/IC MOD", nil},
		{"severe turbulence", "/TB SEV", []string{pirep.ReasonTurbulence}},
		{"range counts by its upper end", "/TB MOD-SEV CHOP", []string{pirep.ReasonTurbulence}},
		{"extreme CAT", "/TB OCNL EXTRM CAT ABV 290", []string{pirep.ReasonTurbulence}},
		{"second layer severe", "/TB LGT 040/SEV 120-180", []string{pirep.ReasonTurbulence}},
		{"severe icing", "/IC MOD-SEV RIME", []string{pirep.ReasonIcing}},
		{"moderate icing", "/IC LGT-MOD MX", nil},
		{"funnel cloud", "/WX FC/RM FUNNEL CLOUD", []string{pirep.ReasonTornado}},
		{"tornado", "/WX +FC/RM TORNADO", []string{pirep.ReasonTornado}},
		{"waterspout in remarks", "/RM WATERSPOUT 5 NE", []string{pirep.ReasonTornado}},
		{"hail", "/WX +TSGR", []string{pirep.ReasonHail}},
		{"hail remark", "/RM HAIL ON DEP", []string{pirep.ReasonHail}},
		{"volcanic ash", "/WX VA", []string{pirep.ReasonVolcanicAsh}},
		{"LLWS 15 kt near surface", "/RM LLWS +/-15 KT SFC-008 DURC RY22 JFK", []string{pirep.ReasonLLWS}},
		{"LLWS without value", "/RM LLWS RY04", []string{pirep.ReasonLLWS}},
		{"LLWS 10 kt", "/RM LLWS -10KT SFC-015", []string{pirep.ReasonLLWS}},
		{"LLWS below 10 kt", "/RM LLWS +/-5 KT SFC-008", nil},
		{"LLWS above 2000 ft", "/RM LLWS +/-20 KT 030-050", nil},
		{"LLWS top above 2000 ft", "/RM LLWS +/-20 KT SFC-030", nil},
		{"several", "/WX VA/TB SEV/IC SEV", []string{pirep.ReasonTurbulence, pirep.ReasonIcing, pirep.ReasonVolcanicAsh}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, pirep.UrgentReasons(mustParse(t, head+tc.tail)))
		})
	}
}

func TestDecide(t *testing.T) {
	t.Parallel()
	severe := "UA /OV ABC/TM 1200/FL100/TP B738/TB SEV"
	light := "UA /OV ABC/TM 1200/FL100/TP B738/TB LGT"
	tests := []struct {
		name      string
		text      string
		requested pirep.Type
		want      pirep.Type
		downgrade bool
	}{
		{"automatic urgent", severe, "", pirep.Urgent, false},
		{"automatic routine", light, "", pirep.Routine, false},
		{"manual upgrade", light, pirep.Urgent, pirep.Urgent, false},
		{"urgent stays urgent", severe, pirep.Urgent, pirep.Urgent, false},
		{"routine kept", light, pirep.Routine, pirep.Routine, false},
		{"downgrade refused", severe, pirep.Routine, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := mustParse(t, tc.text)
			err := pirep.Decide(&r, tc.requested)
			if tc.downgrade {
				var de *pirep.DowngradeError
				require.ErrorAs(t, err, &de)
				assert.Equal(t, []string{pirep.ReasonTurbulence}, de.Reasons)
				var fe *domain.FieldError
				require.ErrorAs(t, err, &fe)
				assert.Equal(t, "type", fe.Field)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, r.Type)
		})
	}
	r := mustParse(t, light)
	var fe *domain.FieldError
	require.ErrorAs(t, pirep.Decide(&r, "XUA"), &fe)
	assert.Equal(t, "type", fe.Field)
}

func TestObservedAt(t *testing.T) {
	t.Parallel()
	day := func(h, m, s int) time.Time { return time.Date(2026, 11, 26, h, m, s, 0, time.UTC) }
	tests := []struct {
		name     string
		tm       string
		received time.Time
		want     time.Time
	}{
		{"earlier same day", "1925", day(21, 30, 0), day(19, 25, 0)},
		{"same minute", "2130", day(21, 30, 45), day(21, 30, 0)},
		{"later means previous day", "2359", day(0, 5, 0), day(23, 59, 0).AddDate(0, 0, -1)},
		{"one minute later is yesterday", "1201", day(12, 0, 0), day(12, 1, 0).AddDate(0, 0, -1)},
		{"midnight", "0000", day(0, 0, 0), day(0, 0, 0)},
		{"non-UTC receipt", "0100", time.Date(2026, 11, 26, 20, 30, 0, 0, time.FixedZone("EST", -5*3600)), time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)},
		{"month boundary", "2300", time.Date(2026, 12, 1, 0, 10, 0, 0, time.UTC), time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := pirep.Report{Time: tc.tm}
			got := r.ObservedAt(tc.received)
			assert.True(t, tc.want.Equal(got), "got %s want %s", got, tc.want)
			assert.False(t, got.After(tc.received))
		})
	}
}

func TestLocations(t *testing.T) {
	t.Parallel()
	jfk, ok := pirep.LookupFix("KJFK")
	require.True(t, ok)
	assert.InDelta(t, 40.64, jfk.Lat, 0.01)
	assert.InDelta(t, -73.78, jfk.Lon, 0.01)
	lid, ok := pirep.LookupFix("JFK")
	require.True(t, ok)
	assert.InDelta(t, jfk.Lat, lid.Lat, 0.01)
	_, ok = pirep.LookupFix("1F0")
	assert.True(t, ok, "FAA LIDs with digits resolve")
	_, ok = pirep.LookupFix("ZZZZ9")
	assert.False(t, ok)

	// 60 NM due north is one degree of latitude.
	north := pirep.Destination(pirep.LatLon{Lat: 40, Lon: -100}, 0, 60)
	assert.InDelta(t, 41.0, north.Lat, 0.01)
	assert.InDelta(t, -100.0, north.Lon, 1e-9)
	// 60 NM due east on the equator is one degree of longitude.
	east := pirep.Destination(pirep.LatLon{Lat: 0, Lon: 179.5}, 90, 60)
	assert.InDelta(t, -179.5, east.Lon, 0.01, "wraps the antimeridian")

	r := mustParse(t, "UA /OV KJFK090060-3831N14418W-ZZZZ9/TM 1200/FL100/TP B738/TA M10")
	pos := r.Positions()
	require.Len(t, pos, 2, "the unknown fix does not resolve")
	assert.InDelta(t, jfk.Lat, pos[0].Lat, 0.05)
	assert.Greater(t, pos[0].Lon, jfk.Lon+1.0, "moved east by 60 NM")
	assert.InDelta(t, 38+31.0/60, pos[1].Lat, 1e-9)
	assert.InDelta(t, -(144 + 18.0/60), pos[1].Lon, 1e-9)

	b, ok := pirep.ParseBBox("-75,40,-72,41")
	require.True(t, ok)
	assert.True(t, r.Intersects(b))
	b2, ok := pirep.ParseBBox("0,0,10,10")
	require.True(t, ok)
	assert.False(t, r.Intersects(b2))
	anti, ok := pirep.ParseBBox("170,30,-140,45")
	require.True(t, ok)
	assert.True(t, anti.Contains(pirep.LatLon{Lat: 38.5, Lon: -144.3}))
	for _, bad := range []string{"", "1,2,3", "a,b,c,d", "0,50,10,40", "0,0,200,10", "NaN,0,1,1"} {
		_, ok := pirep.ParseBBox(bad)
		assert.False(t, ok, bad)
	}
}

func TestToAWC(t *testing.T) {
	t.Parallel()
	r := mustParse(t, "KJFK UUA /OV JFK/TM 1200/FLDURC/TP B738/SK SCT-BKN050-TOP100/WX FV05SM -RA BR/WV 27040KT/"+
		"TB NEG-LGT/CONS LGT-SEV CHOP BLO 080/IC TRACE-LGT CLR ABV 050/MOD-SEV/RM X")
	a := pirep.ToAWC(r, time.Date(2026, 11, 26, 12, 30, 0, 0, time.UTC))
	assert.Equal(t, "Urgent PIREP", a.PirepType)
	assert.Equal(t, "DURC", a.FltLvlType)
	assert.Nil(t, a.FltLvl)
	require.NotNil(t, a.Lat)
	assert.InDelta(t, 40.64, *a.Lat, 0.01)
	assert.Equal(t, []pirep.AWCCloud{{Cover: "SCT-BKN", Base: ptr(50), Top: ptr(100)}}, a.Clouds)
	assert.Equal(t, 5, *a.Visib)
	assert.Equal(t, "-RA BR", a.WxString)
	assert.Equal(t, 270, *a.Wdir)
	assert.Equal(t, 40, *a.Wspd)
	assert.Equal(t, "SMTH-LGT", a.TbInt1)
	assert.Equal(t, "SEV", a.TbInt2, "LGT-SEV is not an AWC value: upper end")
	assert.Equal(t, "CONT", a.TbFreq2)
	assert.Equal(t, "CHOP", a.TbType2)
	assert.Nil(t, a.TbBas2)
	assert.Equal(t, 80, *a.TbTop2)
	assert.Equal(t, "TRC-LGT", a.IcgInt1)
	assert.Equal(t, "CLEAR", a.IcgType1)
	assert.Equal(t, 50, *a.IcgBas1)
	assert.Nil(t, a.IcgTop1)
	assert.Equal(t, "MOD-SEV", a.IcgInt2)
	assert.Equal(t, r.Encode(), a.RawOb)
	assert.Equal(t, "2026-11-26T12:30:00.000Z", a.ReceiptTime)
	assert.Equal(t, time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC).Unix(), a.ObsTime)
}
