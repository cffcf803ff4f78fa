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
		{"not a PIREP (AIREP)", "XYZ123 4512N 03000W 1203 F350 MS52 280/45", "type", 0, "not a PIREP"},
		{"fragment", "120-180/RM ABC", "type", 0, "not a PIREP"},
		{"missing OV", "KCMH UA /TM 1516/FL085/TP BE20/TB LGT", "OV", 8, "missing mandatory element /OV"},
		{"missing TM", "KCMH UA /OV APE/FL085/TP BE20/TB LGT", "TM", 15, "missing mandatory element /TM"},
		{"missing FL", "KCMH UA /OV APE/TM 1516/TP BE20/TB LGT", "FL", 23, "missing mandatory element /FL"},
		{"missing TP", "KCMH UA /OV APE/TM 1516/FL085/TB LGT", "TP", 29, "missing mandatory element /TP"},
		{"truncated after OV", "KCMH UA /OV 12 NE APE", "TM", 21, "missing mandatory element /TM"},
		{"bad time hour", strings.Replace(base, "1516", "2516", 1), "TM", 25, "invalid time"},
		{"bad time minutes", strings.Replace(base, "1516", "1560", 1), "TM", 25, "invalid time"},
		{"bad time length", strings.Replace(base, "1516", "151", 1), "TM", 25, "HHMM"},
		{"letters in time", strings.Replace(base, "1516", "1O16", 1), "TM", 25, "invalid time"},
		{"four-digit altitude", strings.Replace(base, "FL085", "FL2130", 1), "FL", -1, "invalid altitude"},
		{"letter-mangled altitude", strings.Replace(base, "FL085", "FLB78X", 1), "FL", -1, "invalid altitude"},
		{"altitude word", strings.Replace(base, "FL085", "FL HIGH", 1), "FL", -1, "invalid altitude"},
		{"sky in altitude is blamed on /FL", strings.Replace(base, "FL085", "FLBKN0", 1), "FL", 32, "invalid altitude"},
		{"unknown tag after the type", "KCMH UA /XX APE/OV APE/TM 1516/FL085/TP BE20/TB LGT", "report", 8, `unknown element tag "/XX"`},
		{"junk in aircraft type", "KCMH UA /OV APE/TM 1516/FL085/TP BE20 /ZZ FOO/TB LGT", "TP", 33, "expected one aircraft type"},
		{"duplicate time", "KCMH UA /OV APE/TM 1516/FL085/TP BE20/TB LGT/TM 1517", "TM", 44, "duplicate element /TM"},
		{"oversize remarks", "KCMH UA /OV APE/TM 1516/FL085/TP BE20/RM " + strings.Repeat("AB ", 100) + "C", "RM", 37, "at most 256 bytes"},
		{"no weather element", "KCMH UA /OV APE/TM 1516/FL085/TP BE20", "report", -1, "no weather element"},
		{"no weather element, TA UNKN only", "KCMH UA /OV APE/TM 1516/FL085/TP BE20/TA UNKN", "report", -1, "no weather element"},
		{"position without a word", "KCMH UA /OV A-B/TM 1516/FL085/TP BE20/TB LGT", "OV", 12, "unreadable position"},
		{"position with a broken tag", "KCMH UA /OV Q/XYZ/TM 1516/FL085/TP BE20/TB LGT", "OV", 12, "unreadable position"},
		{"bad aircraft type", strings.Replace(base, "BE20", "BOEING", 1), "TP", -1, "invalid aircraft type"},
		{"non-ASCII", "KCMH UA /OV APÉ/TM 1516/FL085/TP BE20/TB LGT", "report", 14, "printable ASCII"},
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

// TestParseClasses covers each class of real-world variation with
// constructed reports: what it decodes to (canonical text) and what is
// kept as text (warnings as "element text").
func TestParseClasses(t *testing.T) {
	t.Parallel()
	const h = "KDEN UA /OV DEN/TM 1200/FL100/TP B738"
	tests := []struct {
		name      string
		in        string
		canonical string
		warnings  []string
	}{
		// /OV
		{"fix radial distance with a space", "KDEN UA /OV DEN 090015/TM 1200/FL100/TP B738/TB LGT", h[:12] + "DEN090015" + h[15:] + "/TB LGT", nil},
		{"fix radial/distance", "KDEN UA /OV DEN090/015/TM 1200/FL100/TP B738/TB LGT", h[:12] + "DEN090015" + h[15:] + "/TB LGT", nil},
		{"fix radial distance split", "KDEN UA /OV DEN 090 015/TM 1200/FL100/TP B738/TB LGT", h[:12] + "DEN090015" + h[15:] + "/TB LGT", nil},
		{"distance direction fix in letters", "KDEN UA /OV 20 NE DEN/TM 1200/FL100/TP B738/TB LGT", h[:12] + "DEN045020" + h[15:] + "/TB LGT", nil},
		{"distance direction fix in words", "KDEN UA /OV 7 SOUTHWEST OF DEN/TM 1200/FL100/TP B738/TB LGT", h[:12] + "DEN225007" + h[15:] + "/TB LGT", nil},
		{"distance and direction fused", "KDEN UA /OV 12NW DEN/TM 1200/FL100/TP B738/TB LGT", h[:12] + "DEN315012" + h[15:] + "/TB LGT", nil},
		{"distance NM direction", "KDEN UA /OV 30NM E DEN/TM 1200/FL100/TP B738/TB LGT", h[:12] + "DEN090030" + h[15:] + "/TB LGT", nil},
		{"fix distance direction", "KDEN UA /OV DEN 9W/TM 1200/FL100/TP B738/TB LGT", h[:12] + "DEN270009" + h[15:] + "/TB LGT", nil},
		{"lat/long in degrees", "UA /OV 41N062W/TM 1200/FL350/TP B77W/TB LGT", "UA /OV 4100N06200W/TM 1200/FL350/TP B77W/TB LGT", nil},
		{"lat/long degrees and minutes, four-digit longitude", "UA /OV 5230N 3015W/TM 1200/FL350/TP B77W/TB LGT", "UA /OV 5230N03015W/TM 1200/FL350/TP B77W/TB LGT", nil},
		{"route with a distance direction point", "KDEN UA /OV DEN-15 N COS/TM 1200/FL100/TP B738/TB LGT", h[:12] + "DEN-COS360015" + h[15:] + "/TB LGT", nil},
		{"free text is kept unlocated", "KDEN UA /OV RY 17R SHORT FINAL/TM 1200/FL100/TP B738/TB LGT", h[:12] + "RY 17R SHORT FINAL" + h[15:] + "/TB LGT",
			[]string{"/OV RY 17R SHORT FINAL"}},
		{"spaces are never squeezed into a fix", "KDEN UA /OV 10 S/TM 1200/FL100/TP B738/TB LGT", h[:12] + "10 S" + h[15:] + "/TB LGT", []string{"/OV 10 S"}},
		{"ambiguous radial digits are kept", "KDEN UA /OV DEN09015/TM 1200/FL100/TP B738/TB LGT", h[:12] + "DEN09015" + h[15:] + "/TB LGT", []string{"/OV DEN09015"}},
		// header and mandatory elements
		{"turbulence with an unknown aircraft type", "KDEN UA /OV DEN/TM 1200/FL100/TP UNKN/TB MOD", "KDEN UA /OV DEN/TM 1200/FL100/TP UNKN/TB MOD", []string{"/TP UNKN"}},
		{"contradicting phase codes keep the remark", "KDEN UA /OV DEN/TM 1200/FLDURC/TP B738/RM BUMPY DURD", "KDEN UA /OV DEN/TM 1200/FLUNKN/TP B738/RM BUMPY DURD DURC", nil},
		{"repeated temperature is kept as written", h + "/TA M05/TA M07", h + "/TA M05 M07", []string{"/TA M05 M07"}},
		{"repeated weather is decoded together", h + "/WX FV05SM/TB LGT/WX -RA", h + "/WX FV05SM -RA/TB LGT", nil},
		{"two-letter station", "XQ UA /OV DEN/TM 1200/FL100/TP B738/TB LGT", "XQ UA /OV DEN/TM 1200/FL100/TP B738/TB LGT", nil},
		{"two-digit altitude", "KDEN UA /OV DEN/TM 1200/FL95/TP B738/TB LGT", "KDEN UA /OV DEN/TM 1200/FL095/TP B738/TB LGT", nil},
		{"altitude band top first to the surface", "KDEN UA /OV DEN/TM 1200/FL030-000/TP B738/TB LGT", "KDEN UA /OV DEN/TM 1200/FL000-030/TP B738/TB LGT", nil},
		{"misspelt descent code", "KDEN UA /OV DEN/TM 1200/FLDURGD/TP B738/TB LGT", "KDEN UA /OV DEN/TM 1200/FLUNKN/TP B738/TB LGT/RM DURD", nil},
		{"misspelt climb code", "KDEN UA /OV DEN/TM 1200/FLDRUC/TP B738/TB LGT", "KDEN UA /OV DEN/TM 1200/FLUNKN/TP B738/TB LGT/RM DURC", nil},
		{"route written with TO", "KDEN UA /OV DEN TO 20 S COS/TM 1200/FL100/TP B738/TB LGT", h[:12] + "DEN-COS180020" + h[15:] + "/TB LGT", nil},
		{"free text with a slash between places", "KDEN UA /OV KDEN/KAPA AREA/TM 1200/FL100/TP B738/TB LGT", h[:12] + "KDEN/KAPA AREA" + h[15:] + "/TB LGT", []string{"/OV KDEN/KAPA AREA"}},
		{"time with a colon and UTC", "KDEN UA /OV DEN/TM 12:00 UTC/FL100/TP B738/TB LGT", h + "/TB LGT", nil},
		{"phase before the level", "KDEN UA /OV DEN/TM 1200/FL DURD 100/TP B738/TB LGT", h + "/TB LGT/RM DURD", nil},
		{"band with spaces", "KDEN UA /OV DEN/TM 1200/FL 080 - 120/TP B738/TB LGT", "KDEN UA /OV DEN/TM 1200/FL080-120/TP B738/TB LGT", nil},
		{"ground", "KDEN UA /OV DEN/TM 1200/FLGND/TP B738/TB LGT", "KDEN UA /OV DEN/TM 1200/FL000/TP B738/TB LGT", nil},
		{"aircraft type with its variant", "KDEN UA /OV DEN/TM 1200/FL100/TP B737-800/TB LGT", "KDEN UA /OV DEN/TM 1200/FL100/TP B737-800/TB LGT", nil},
		{"a space after the slash of a tag", "KDEN UA /OV DEN/ TM 1200/ FL100/TP B738/ TB LGT", h + "/TB LGT", nil},
		{"elements out of order and spaced", "KDEN UA /OV DEN  /TM 1200 /TP B738 /FL100 /TB LGT", h + "/TB LGT", nil},
		// /SK
		{"sky base cover top", h + "/SK 040 BKN 065", h + "/SK BKN040-TOP065", nil},
		{"sky packed base cover top", h + "/SK 022OVC048", h + "/SK OVC022-TOP048", nil},
		{"sky B and T", h + "/SK B030 OVC T055", h + "/SK OVC030-TOP055", nil},
		{"sky BASES and TOPS words", h + "/SK BASES SCT030 TOPS 055", h + "/SK SCT030-TOP055", nil},
		{"sky layers separated by spaces", h + "/SK FEW020 SCT045 BKN090", h + "/SK FEW020/SCT045/BKN090", nil},
		{"sky repeated element merges", h + "/SK FEW020/TA M05/SK OVC080", h + "/SK FEW020/OVC080/TA M05", nil},
		{"sky top alone", h + "/SK TOPS FL085", h + "/SK TOP085", nil},
		{"sky cover with a space", h + "/SK BKN 012", h + "/SK BKN012", nil},
		{"sky unknown top", h + "/SK 031OVCUNK", h + "/SK OVC031-TOPUNKN", nil},
		{"sky kept as text", h + "/SK LYRD CLDS", h + "/SK LYRD CLDS", []string{"/SK LYRD CLDS"}},
		// /WX /TA /WV
		{"visibility without FV", h + "/WX 5SM -RA", h + "/WX FV05SM -RA", nil},
		{"bare visibility", h + "/WX 15 HZ", h + "/WX FV15SM HZ", nil},
		{"weather kept as text", h + "/WX HVY RAIN", h + "/WX HVY RAIN", []string{"/WX HVY RAIN"}},
		{"one-digit temperature", h + "/TA 7", h + "/TA 07", nil},
		{"temperature kept as text", h + "/TA ABT 5", h + "/TA ABT 5", []string{"/TA ABT 5"}},
		{"gusting wind", h + "/WV 27020G35KT", h + "/WV 27020G35KT", nil},
		{"wind with a slash", h + "/WV 310/45", h + "/WV 31045KT", nil},
		{"wind kept as text", h + "/WV VRB05KT", h + "/WV VRB05KT", []string{"/WV VRB05KT"}},
		// /TB
		{"turbulence words", h + "/TB LIGHT TO MODERATE CHOPPY", h + "/TB LGT-MOD CHOP", nil},
		{"smooth is none", h + "/TB SMOOTH", h + "/TB NEG", nil},
		{"turbulence word and connector", h + "/TB LGT TURBC AND CHOP", h + "/TB LGT CHOP", nil},
		{"frequency after intensity", h + "/TB MDT OCCASIONAL 180-220", h + "/TB OCNL MOD 180-220", nil},
		{"two frequencies make two layers", h + "/TB CONT LGT OCNL MOD", h + "/TB CONS LGT/OCNL MOD", nil},
		{"band top first with FL", h + "/TB LGT FL210-FL190", h + "/TB LGT 190-210", nil},
		{"band from the surface", h + "/TB MOD SFC-040", h + "/TB MOD 000-040", nil},
		{"band to an unknown top", h + "/TB LGT 080-UNKN", h + "/TB LGT 080-UNKN", nil},
		{"range written downwards", h + "/TB MOD-LGT", h + "/TB LGT-MOD", nil},
		{"turbulence kept as text", h + "/TB LGT UNKN", h + "/TB LGT UNKN", []string{"/TB LGT UNKN"}},
		{"turbulence layer kept beside a decoded one", h + "/TB LGT/BUMPY", h + "/TB LGT/BUMPY", []string{"/TB BUMPY"}},
		// /IC
		{"icing words", h + "/IC MODERATE MIXED FL090-FL060", h + "/IC MOD MX 060-090", nil},
		{"icing noise words", h + "/IC TRC RIME ICING", h + "/IC TRACE RIME", nil},
		{"icing kept as text", h + "/IC LGT UNKN", h + "/IC LGT UNKN", []string{"/IC LGT UNKN"}},
		{"icing typo kept as text", h + "/IC LGHTT RIME", h + "/IC LGHTT RIME", []string{"/IC LGHTT RIME"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := pirep.Parse(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.canonical, r.Encode())
			var got []string
			for _, w := range r.Warnings {
				got = append(got, w.Element+" "+w.Text)
			}
			assert.Equal(t, tc.warnings, got)
			again, err := pirep.Parse(r.Encode())
			require.NoError(t, err)
			assert.Equal(t, r, again, "parse(encode(r)) == r, warnings included")
			require.NoError(t, r.Validate())
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
