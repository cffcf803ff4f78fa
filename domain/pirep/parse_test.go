package pirep_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/pirep"
)

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	base := "KCMH UA /OV APE230010/TM 1516/FL085/TP BE20/SK BKN065/TB LGT/RM X"
	tests := []struct {
		name    string
		in      string
		element string
		pos     int // -1: do not check
		msg     string
	}{
		{"empty", "", "station", 0, "empty report"},
		{"missing type", "KCMH /OV APE/TM 1516/FL085/TP BE20/TB LGT", "type", 5, "UA or UUA"},
		{"bad station", "K_MH UA /OV APE/TM 1516/FL085/TP BE20/TB LGT", "station", 0, "station"},
		{"missing OV", "KCMH UA /TM 1516/FL085/TP BE20/TB LGT", "OV", 8, "missing mandatory element /OV"},
		{"missing TM", "KCMH UA /OV APE/FL085/TP BE20/TB LGT", "TM", 15, "missing mandatory element /TM"},
		{"missing FL", "KCMH UA /OV APE/TM 1516/TP BE20/TB LGT", "FL", 23, "missing mandatory element /FL"},
		{"missing TP", "KCMH UA /OV APE/TM 1516/FL085/TB LGT", "TP", 29, "missing mandatory element /TP"},
		{"bad time hour", strings.Replace(base, "1516", "2516", 1), "TM", 25, "invalid time"},
		{"bad time minutes", strings.Replace(base, "1516", "1560", 1), "TM", 25, "invalid time"},
		{"bad time length", strings.Replace(base, "1516", "151", 1), "TM", 25, "HHMM"},
		{"bad altitude", strings.Replace(base, "FL085", "FL85", 1), "FL", -1, "invalid altitude"},
		{"bad altitude word", strings.Replace(base, "FL085", "FL HIGH", 1), "FL", -1, "invalid altitude"},
		{"unknown tag", strings.Replace(base, "/SK", "/XX", 1), "report", 43, `unknown element tag "/XX"`},
		{"unknown tag inside element", "KCMH UA /OV APE/TM 1516/FL085/TP BE20 /ZZ FOO/TB LGT", "report", 38, `unknown element tag "/ZZ"`},
		{"out of order", "KCMH UA /OV APE/FL085/TM 1516/TP BE20/TB LGT", "TM", 21, "/TM after /FL"},
		{"duplicate", "KCMH UA /OV APE/TM 1516/FL085/TP BE20/TB LGT/TB MOD", "TB", 44, "duplicate element /TB"},
		{"oversize remarks", "KCMH UA /OV APE/TM 1516/FL085/TP BE20/RM " + strings.Repeat("AB ", 100) + "C", "RM", 37, "at most 256 bytes"},
		{"no weather element", "KCMH UA /OV APE/TM 1516/FL085/TP BE20", "report", -1, "no weather element"},
		{"no weather element, TA UNKN only", "KCMH UA /OV APE/TM 1516/FL085/TP BE20/TA UNKN", "report", -1, "no weather element"},
		{"turbulence without aircraft type", "KCMH UA /OV APE/TM 1516/FL085/TP UNKN/TB LGT", "TP", 29, "must carry the aircraft type"},
		{"bad point", "KCMH UA /OV A-B/TM 1516/FL085/TP BE20/TB LGT", "OV", 12, "invalid point"},
		{"radial over 360", "KCMH UA /OV APE400010/TM 1516/FL085/TP BE20/TB LGT", "OV", -1, "invalid point"},
		{"bad aircraft type", strings.Replace(base, "BE20", "BOEING", 1), "TP", -1, "invalid aircraft type"},
		{"bad sky", strings.Replace(base, "BKN065", "LOTS065", 1), "SK", -1, "invalid sky layer"},
		{"SKC with base", strings.Replace(base, "BKN065", "SKC065", 1), "SK", -1, "SKC"},
		{"bad turbulence", strings.Replace(base, "/TB LGT", "/TB WILD", 1), "TB", -1, "invalid turbulence layer"},
		{"range downwards", strings.Replace(base, "/TB LGT", "/TB MOD-LGT", 1), "TB", -1, "invalid upper intensity"},
		{"too many wx groups", strings.Replace(base, "/TB LGT", "/WX RA BR HZ FU", 1), "WX", -1, "4 weather groups"},
		{"bad wx group", strings.Replace(base, "/TB LGT", "/WX RAIN", 1), "WX", -1, "invalid weather group"},
		{"bad temperature", strings.Replace(base, "/TB LGT", "/TA 123", 1), "TA", -1, "invalid temperature"},
		{"bad wind", strings.Replace(base, "/TB LGT", "/WV 3KT", 1), "WV", -1, "invalid wind"},
		{"wind direction over 360", strings.Replace(base, "/TB LGT", "/WV 40010KT", 1), "WV", -1, "out of range"},
		{"bad icing type", strings.Replace(base, "/TB LGT", "/IC LGT GLAZE", 1), "IC", -1, "invalid icing layer"},
		{"band top below base", strings.Replace(base, "/TB LGT", "/TB LGT 180-120", 1), "TB", -1, "out of range"},
		{"non-ASCII", "KCMH UA /OV APÉ/TM 1516/FL085/TP BE20/TB LGT", "report", 14, "printable ASCII"},
		{"phase conflict", "KCMH UA /OV APE/TM 1516/FLDURC/TP BE20/RM X DURD", "RM", -1, "conflicts"},
		{"too long", strings.Repeat("A", pirep.MaxText+1), "report", pirep.MaxText, "at most"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := pirep.Parse(tc.in)
			require.Error(t, err)
			var pe *pirep.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tc.element, pe.Element, err.Error())
			if tc.pos >= 0 {
				assert.Equal(t, tc.pos, pe.Pos, err.Error())
			}
			assert.Contains(t, err.Error(), tc.msg)
			assert.NotEmpty(t, pe.Expected, "an error states the expected form")
			assert.ErrorIs(t, err, domain.ErrValidation)
			var fe *domain.FieldError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, "raw", fe.Field)
		})
	}
}

func TestParseAcceptsVariants(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		in        string
		canonical string
	}{
		{"terminator and spaces", "  KGTF UA  /OV GTF /TM 1200 /FL 100 /TP C172 /SK OVC 030-TOP 050 /RM TEST ==  ",
			"KGTF UA /OV GTF/TM 1200/FL100/TP C172/SK OVC030-TOP050/RM TEST"},
		{"digit station", "1F0 UA /OV 1F0/TM 1200/FL010/TP C172/TA 05", "1F0 UA /OV 1F0/TM 1200/FL010/TP C172/TA 05"},
		{"synonyms", "UA /OV ABC/TM 1200/FL100/TP B738/TB OCNL MDT-SVR CAT/LT CHOP/IC LT-MDT MXD/MOD CLEAR BLO 080",
			"UA /OV ABC/TM 1200/FL100/TP B738/TB OCNL MOD-SEV CAT/LGT CHOP/IC LGT-MOD MX/MOD CLR BLO 080"},
		{"severe, extreme", "UA /OV ABC/TM 1200/FL100/TP B738/TB SEVERE-EXTREME", "UA /OV ABC/TM 1200/FL100/TP B738/TB SEV-EXTRM"},
		{"sky layers with SKC above", "UA /OV ABC/TM 1200/FL100/TP B738/SK SCT-BKN050-TOP100/OVC-TOP085/OVC065-TOPUNKN/SKC",
			"UA /OV ABC/TM 1200/FL100/TP B738/SK SCT-BKN050-TOP100/OVC-TOP085/OVC065-TOPUNKN/SKC"},
		{"FLDURD", "UA /OV ABC/TM 1200/FLDURD/TP B738/TB LGT", "UA /OV ABC/TM 1200/FLUNKN/TP B738/TB LGT/RM DURD"},
		{"FLDURGD", "UA /OV ABC/TM 1200/FLDURGD/TP B738/TB LGT/RM BUMPY", "UA /OV ABC/TM 1200/FLUNKN/TP B738/TB LGT/RM BUMPY DURD"},
		{"old wind, negative temp", "UA /OV ABC/TM 1200/FL100/TP B738/TA -03/WV 290030", "UA /OV ABC/TM 1200/FL100/TP B738/TA M03/WV 29030KT"},
		{"three digit wind", "UA /OV ABC/TM 1200/FL350/TP B738/WV 350102KT", "UA /OV ABC/TM 1200/FL350/TP B738/WV 350102KT"},
		{"lat long with space", "UA /OV 3831N 14418W/TM 1200/FL100/TP B738/TA M10", "UA /OV 3831N14418W/TM 1200/FL100/TP B738/TA M10"},
		{"lat long", "UA /OV 2500N07000W/TM 1200/FL100/TP B738/TA M10", "UA /OV 2500N07000W/TM 1200/FL100/TP B738/TA M10"},
		{"route", "UA /OV KSTL090030-KMKC045015/TM 1200/FL100/TP B738/TA M10", "UA /OV KSTL090030-KMKC045015/TM 1200/FL100/TP B738/TA M10"},
		{"altitudes", "UA /OV ABC/TM 1200/FL100/TP B738/TB LGT 040/MOD 120-180/LGT BLO 080/INTMT LGT ABV 290",
			"UA /OV ABC/TM 1200/FL100/TP B738/TB LGT 040/MOD 120-180/LGT BLO 080/INTMT LGT ABV 290"},
		{"unrestricted and capped visibility", "UA /OV ABC/TM 1200/FL100/TP B738/WX FV150SM", "UA /OV ABC/TM 1200/FL100/TP B738/WX FV99SM"},
		{"LLWS remark", "KJFK UUA /OV JFK/TM 1200/FL008/TP B738/RM LLWS +/-15 KT SFC-008 DURC RY22 JFK",
			"KJFK UUA /OV JFK/TM 1200/FL008/TP B738/RM LLWS +/-15 KT SFC-008 DURC RY22 JFK"},
		{"tabs and newlines", "UA\t/OV ABC\n/TM 1200\r\n/FL100/TP B738/RM A\t B", "UA /OV ABC/TM 1200/FL100/TP B738/RM A B"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := pirep.Parse(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.canonical, r.Encode())
			again, err := pirep.Parse(r.Encode())
			require.NoError(t, err)
			assert.Equal(t, r, again)
		})
	}
}

func TestValidateNamesJSONField(t *testing.T) {
	t.Parallel()
	valid := func() pirep.Report {
		r, err := pirep.Parse("KCMH UA /OV APE230010/TM 1516/FL085/TP BE20/SK BKN065/TB LGT 040/IC LGT/RM X")
		require.NoError(t, err)
		return r
	}
	tests := []struct {
		name  string
		edit  func(r *pirep.Report)
		field string
	}{
		{"type", func(r *pirep.Report) { r.Type = "XX" }, "type"},
		{"station", func(r *pirep.Report) { r.Station = "TOOLONG" }, "station"},
		{"no points", func(r *pirep.Report) { r.Location.Points = nil }, "location.points"},
		{"fix", func(r *pirep.Report) { r.Location.Points[0].Fix = "!" }, "location.points[0].fix"},
		{"radial without distance", func(r *pirep.Report) { r.Location.Points[0].Distance = nil }, "location.points[0]"},
		{"latitude", func(r *pirep.Report) {
			r.Location.Points[0] = pirep.Point{Lat: ptr(95.0), Lon: ptr(10.0)}
		}, "location.points[0].lat"},
		{"time", func(r *pirep.Report) { r.Time = "9999" }, "time"},
		{"altitude both", func(r *pirep.Report) { r.Altitude.Unknown = true }, "altitude"},
		{"altitude range", func(r *pirep.Report) { r.Altitude.Level = ptr(1000) }, "altitude.level"},
		{"phase", func(r *pirep.Report) { r.Altitude.Phase = "UP" }, "altitude.phase"},
		{"aircraft type", func(r *pirep.Report) { r.AircraftType = "" }, "aircraft_type"},
		{"sky cover", func(r *pirep.Report) { r.Sky[0].Cover = "XXX" }, "sky[0].cover"},
		{"sky upper", func(r *pirep.Report) { r.Sky[0].CoverUpper = "FEW" }, "sky[0].cover_upper"},
		{"turbulence intensity", func(r *pirep.Report) { r.Turbulence[0].Intensity = "BAD" }, "turbulence[0].intensity"},
		{"turbulence band", func(r *pirep.Report) { r.Turbulence[0].Altitude.Qualifier = "NEAR" }, "turbulence[0].altitude.qualifier"},
		{"icing type", func(r *pirep.Report) { r.Icing[0].Type = "GLAZE" }, "icing[0].type"},
		{"weather empty", func(r *pirep.Report) { r.Weather = &pirep.Weather{} }, "weather"},
		{"weather group", func(r *pirep.Report) { r.Weather = &pirep.Weather{Groups: []string{"XX"}} }, "weather.groups[0]"},
		{"temperature", func(r *pirep.Report) { r.Temperature = ptr(120) }, "temperature"},
		{"wind", func(r *pirep.Report) { r.Wind = &pirep.Wind{Direction: 10, Speed: -1} }, "wind.speed"},
		{"remarks tag", func(r *pirep.Report) { r.Remarks = "A /TB B" }, "remarks"},
		{"remarks phase", func(r *pirep.Report) { r.Remarks = "A DURC" }, "remarks"},
		{"remarks size", func(r *pirep.Report) { r.Remarks = strings.Repeat("A", 257) }, "remarks"},
		{"no weather", func(r *pirep.Report) { r.Sky, r.Turbulence, r.Icing, r.Remarks = nil, nil, nil, "" }, "report"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := valid()
			require.NoError(t, r.Validate())
			tc.edit(&r)
			err := r.Validate()
			require.Error(t, err)
			var fe *domain.FieldError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, tc.field, fe.Field, err.Error())
			var pe *pirep.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, -1, pe.Pos)
		})
	}
}

func TestErrorIsValidation(t *testing.T) {
	t.Parallel()
	_, err := pirep.Parse("nonsense")
	assert.True(t, errors.Is(err, domain.ErrValidation))
}
