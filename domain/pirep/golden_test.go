package pirep_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain/pirep"
	"github.com/skyledger/skyledger/internal/golden"
)

// receivedAt dates every vector's /TM in the golden AWC output.
var receivedAt = time.Date(2026, 11, 26, 21, 30, 0, 0, time.UTC)

// fromJSON decodes a report's structured JSON form as the API takes it:
// unmarshalled, normalized and valid.
func fromJSON(t *testing.T, js []byte) pirep.Report {
	t.Helper()
	var r pirep.Report
	require.NoError(t, json.Unmarshal(js, &r))
	r.Normalize()
	require.NoError(t, r.Validate())
	return r
}

// vectorGolden compares got with testdata/vectors/name, or rewrites it with
// -update.
func vectorGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Equal(t, filepath.Join("testdata", "vectors", name), got)
}

func TestVectors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		file    string
		station string
		typ     pirep.Type
		reasons []string
	}{
		{"1 severe turbulence", "1", "PUB", pirep.Urgent, []string{pirep.ReasonTurbulence}},
		{"2 spaces before tags, TA UNKN", "2", "BIL", pirep.Routine, nil},
		{"3 route", "3", "PIB", pirep.Routine, nil},
		{"4 wind", "4", "SCH", pirep.Routine, nil},
		{"5 AIM example", "5", "KCMH", pirep.Routine, nil},
		{"6 no station, volcanic ash", "6", "", pirep.Urgent, []string{pirep.ReasonVolcanicAsh}},
		{"7 trace mixed icing", "7", "ADW", pirep.Routine, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in, err := os.ReadFile(filepath.Join("testdata", "vectors", tc.file+".input.txt"))
			require.NoError(t, err)
			r, err := pirep.Parse(string(in))
			require.NoError(t, err)
			assert.Equal(t, tc.station, r.Station)
			assert.Equal(t, tc.typ, r.Type)
			assert.Equal(t, tc.reasons, pirep.UrgentReasons(r))
			require.NoError(t, r.Validate())

			js, err := json.MarshalIndent(r, "", "  ")
			require.NoError(t, err)
			vectorGolden(t, tc.file+".report.json", append(js, '\n'))
			canonical := r.Encode()
			vectorGolden(t, tc.file+".canonical.txt", []byte(canonical+"\n"))
			awc, err := json.MarshalIndent(pirep.ToAWC(r, receivedAt), "", "  ")
			require.NoError(t, err)
			vectorGolden(t, tc.file+".awc.json", append(awc, '\n'))

			// The canonical text is a fixed point and parses to the same structure.
			again, err := pirep.Parse(canonical)
			require.NoError(t, err)
			assert.Equal(t, r, again)
			assert.Equal(t, canonical, again.Encode())
			_, afterOV, _ := strings.Cut(canonical, "/OV ")
			assert.NotContains(t, afterOV, " /", "canonical text has no space before tags after /OV")
			assert.False(t, strings.HasSuffix(canonical, "="))

			// The structured JSON form decodes and validates to the same report.
			assert.Equal(t, r, fromJSON(t, js))
		})
	}
}

func TestVectorDetails(t *testing.T) {
	t.Parallel()
	parse := func(file string) pirep.Report {
		in, err := os.ReadFile(filepath.Join("testdata", "vectors", file+".input.txt"))
		require.NoError(t, err)
		r, err := pirep.Parse(string(in))
		require.NoError(t, err)
		return r
	}
	t.Run("1 radial and distance", func(t *testing.T) {
		r := parse("1")
		require.Len(t, r.Location.Points, 1)
		p := r.Location.Points[0]
		assert.Equal(t, "PUB", p.Fix)
		assert.Equal(t, 243, *p.Radial)
		assert.Equal(t, 22, *p.Distance)
		assert.Equal(t, 160, *r.Altitude.Level)
		assert.Equal(t, "SEV", r.Turbulence[0].Intensity)
		assert.Equal(t, "CWSU ZDV", r.Remarks)
	})
	t.Run("2 TA UNKN carries no data", func(t *testing.T) {
		r := parse("2")
		assert.Nil(t, r.Temperature)
		require.Len(t, r.Icing, 1)
		assert.Equal(t, pirep.IcingLayer{Intensity: "LGT", Type: "MX", Altitude: &pirep.Band{Base: 70, Top: ptr(80)}}, r.Icing[0])
		assert.Equal(t, "BIL UA /OV BIL/TM 0017/FL080/TP BE9L/IC LGT MX 070-080", r.Encode())
	})
	t.Run("3 route of two points", func(t *testing.T) {
		r := parse("3")
		require.Len(t, r.Location.Points, 2)
		assert.Equal(t, "MBO", r.Location.Points[0].Fix)
		assert.Equal(t, "LBY", r.Location.Points[1].Fix)
		assert.Equal(t, 360, *r.Location.Points[1].Radial)
		assert.Equal(t, []pirep.SkyLayer{{Cover: "SKC"}}, r.Sky)
		assert.Equal(t, 5, *r.Weather.FlightVisibility)
		assert.Equal(t, []string{"HZ"}, r.Weather.Groups)
	})
	t.Run("4 wind", func(t *testing.T) {
		r := parse("4")
		assert.Equal(t, &pirep.Wind{Direction: 307, Speed: 15}, r.Wind)
		assert.Equal(t, 8, *r.Temperature)
	})
	t.Run("5 AIM example canonical", func(t *testing.T) {
		r := parse("5")
		assert.Equal(t, "KCMH UA /OV APE230010/TM 1516/FL085/TP BE20/SK BKN065/WX FV03SM HZ FU/TA 20/TB LGT", r.Encode())
	})
	t.Run("6 without station", func(t *testing.T) {
		r := parse("6")
		assert.Equal(t, "UUA /OV ANC240075/TM 2110/FL370/TP DC10/WX VA/RM VOLCANIC ERUPTION 2008Z MT AUGUSTINE ASH 40S MOV SSE", r.Encode())
	})
	t.Run("7 AWC decoding", func(t *testing.T) {
		a := pirep.ToAWC(parse("7"), receivedAt)
		assert.Equal(t, "TRC", a.IcgInt1)
		assert.Equal(t, "MIXED", a.IcgType1)
		require.NotNil(t, a.Temp)
		assert.Equal(t, -18, *a.Temp)
		require.NotNil(t, a.FltLvl)
		assert.Equal(t, 240, *a.FltLvl)
		assert.Equal(t, "MD90", a.AcType)
		assert.Equal(t, "PIREP", a.PirepType)
		assert.Equal(t, time.Date(2026, 11, 26, 19, 25, 0, 0, time.UTC).Unix(), a.ObsTime)
	})
}

func ptr[T any](v T) *T { return &v }

// TestClassVectors: one constructed report per variant class, with the
// decoded structure (warnings included), the warnings alone, the
// canonical encoding and the urgency it decides, as golden files in
// testdata/classes; each round-trips exactly.
func TestClassVectors(t *testing.T) {
	t.Parallel()
	inputs, err := filepath.Glob(filepath.Join("testdata", "classes", "*.input.txt"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(inputs), 20)
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".input.txt")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			text, err := os.ReadFile(in)
			require.NoError(t, err)
			r, err := pirep.DecideText(strings.TrimSpace(string(text)), false)
			require.NoError(t, err)
			js, err := json.MarshalIndent(r, "", "  ")
			require.NoError(t, err)
			classGolden(t, name+".report.json", append(js, '\n'))
			ws, err := json.MarshalIndent(r.Warnings, "", "  ")
			require.NoError(t, err)
			classGolden(t, name+".warnings.json", append(ws, '\n'))
			canonical := r.Encode()
			urgency := string(r.Type) + " " + strings.Join(pirep.UrgentReasons(r), "; ")
			classGolden(t, name+".canonical.txt", []byte(canonical+"\n"+strings.TrimSpace(urgency)+"\n"))

			again, err := pirep.Parse(canonical)
			require.NoError(t, err)
			assert.Equal(t, r, again, "parse(encode(r)) == r, warnings included")
			assert.Equal(t, canonical, again.Encode())
			assert.Equal(t, r, fromJSON(t, js), "the JSON form (text fields included) reads back the same")
		})
	}
}

// classGolden compares got with testdata/classes/name, or rewrites it with
// -update.
func classGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Equal(t, filepath.Join("testdata", "classes", name), got)
}
