package pirep_test

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/pirep"
)

// gen builds random valid reports covering every element and variant.
type gen struct{ r *rand.Rand }

func (g gen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }
func (g gen) maybe() bool              { return g.r.IntN(2) == 0 }
func (g gen) n(lo, hi int) int         { return lo + g.r.IntN(hi-lo+1) }

func (g gen) ident(lo, hi int) string {
	const letters, alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	n := g.n(lo, hi)
	b := make([]byte, n)
	for i := range b {
		b[i] = alnum[g.r.IntN(len(alnum))]
	}
	b[g.r.IntN(n)] = letters[g.r.IntN(len(letters))]
	return string(b)
}

func (g gen) rangeOf(list []string) (string, string) {
	i := g.r.IntN(len(list))
	if i < len(list)-1 && g.maybe() {
		return list[i], list[g.n(i+1, len(list)-1)]
	}
	return list[i], ""
}

func (g gen) band() *pirep.Band {
	switch g.r.IntN(4) {
	case 0:
		return nil
	case 1:
		return &pirep.Band{Base: g.n(0, 999)}
	case 2:
		b := g.n(0, 999)
		if g.r.IntN(5) == 0 {
			return &pirep.Band{Base: b, TopUnknown: true}
		}
		return &pirep.Band{Base: b, Top: ptr(g.n(b, 999))}
	}
	return &pirep.Band{Qualifier: g.pick(pirep.Below, pirep.Above), Base: g.n(0, 999)}
}

func (g gen) report() pirep.Report {
	var r pirep.Report
	if g.maybe() {
		r.Station = g.ident(3, 4)
		if r.Station == "UUA" {
			r.Station = "KUUA"
		}
	}
	r.Type = pirep.Type(g.pick("UA", "UUA"))
	for i := g.n(1, 3); i > 0; i-- {
		var p pirep.Point
		switch g.r.IntN(3) {
		case 0:
			p.Fix = g.ident(2, 5)
		case 1:
			p = pirep.Point{Fix: g.ident(2, 5), Radial: ptr(g.n(0, 360)), Distance: ptr(g.n(0, 999))}
		default:
			lat, lon := float64(g.n(-90*60, 90*60))/60, float64(g.n(-180*60, 180*60))/60
			p = pirep.Point{Lat: &lat, Lon: &lon}
		}
		r.Location.Points = append(r.Location.Points, p)
	}
	if g.r.IntN(8) == 0 {
		r.Location.Points = []pirep.Point{{Text: g.pick("RY 4R FINAL", "OVER THE LAKE", "ILS 27", "10 S", "ABC12345", "2 MI FINAL RY 09")}}
	}
	r.Time = strings.Join([]string{pad2(g.n(0, 23)), pad2(g.n(0, 59))}, "")
	if g.maybe() {
		r.Altitude.Level = ptr(g.n(0, 999))
	} else {
		r.Altitude.Unknown = true
	}
	if r.Altitude.Level != nil && *r.Altitude.Level < 999 && g.r.IntN(6) == 0 {
		r.Altitude.Top = ptr(g.n(*r.Altitude.Level+1, 999))
	}
	if g.r.IntN(4) == 0 {
		r.Altitude.Phase = g.pick(pirep.PhaseClimb, pirep.PhaseDescent)
	}
	r.AircraftType = g.ident(2, 4)
	if g.r.IntN(6) == 0 {
		r.AircraftType = "UNKN"
	}
	if g.maybe() {
		for i := g.n(1, 3); i > 0; i-- {
			switch g.r.IntN(7) {
			case 0:
				r.Sky = append(r.Sky, pirep.SkyLayer{Cover: "SKC"})
				continue
			case 1:
				r.Sky = append(r.Sky, pirep.SkyLayer{Text: g.pick("LYRD CLDS", "BKN NEAR 050", "OVC 1200 FT", "TOPS ABV")})
				continue
			case 2:
				r.Sky = append(r.Sky, pirep.SkyLayer{Top: ptr(g.n(0, 999))})
				continue
			}
			covers := []string{"FEW", "SCT", "BKN", "OVC"}
			lo, hi := g.rangeOf(covers)
			l := pirep.SkyLayer{Cover: lo, CoverUpper: hi}
			switch g.r.IntN(3) {
			case 0:
				l.Base = ptr(g.n(0, 999))
			case 1:
				l.BaseUnknown = true
			}
			switch g.r.IntN(3) {
			case 0:
				l.Top = ptr(g.n(0, 999))
			case 1:
				l.TopUnknown = true
			}
			r.Sky = append(r.Sky, l)
		}
	}
	if g.maybe() {
		w := &pirep.Weather{}
		if g.maybe() {
			w.FlightVisibility = ptr(g.n(0, 99))
		}
		n := g.n(0, 3)
		if w.FlightVisibility == nil && n == 0 {
			n = 1
		}
		for ; n > 0; n-- {
			w.Groups = append(w.Groups, g.pick("-RA", "+TSRA", "FZFG", "HZ", "FU", "VA", "+FC", "FC", "GR", "BR", "TS", "VCSH", "-SHRASN", "BLSN", "DS"))
		}
		r.Weather = w
		if g.r.IntN(6) == 0 {
			txt := g.pick("HVY RAIN", "FV05SM RA SOME SNOW", "5 MILES IN HAZE", "RA BR HZ FU")
			d := pirep.Report{Weather: &pirep.Weather{Text: txt}}
			d.Normalize()
			r.Weather = d.Weather
		}
	}
	switch g.r.IntN(4) {
	case 0, 1:
		r.Temperature = ptr(g.n(-99, 99))
	case 2:
		r.TemperatureText = g.pick("ABT 5", "M5 DEG", "123")
	}
	switch g.r.IntN(4) {
	case 0:
		r.Wind = &pirep.Wind{Direction: g.n(0, 360), Speed: g.n(0, 999)}
	case 1:
		r.Wind = &pirep.Wind{Direction: g.n(0, 360), Speed: g.n(0, 999), Gust: ptr(g.n(0, 999))}
	case 2:
		r.WindText = g.pick("VRB05KT", "CALM", "LGT AND VRB")
	}
	if g.maybe() {
		for i := g.n(1, 3); i > 0; i-- {
			lo, hi := g.rangeOf([]string{"NEG", "LGT", "MOD", "SEV", "EXTRM"})
			l := pirep.TurbulenceLayer{Intensity: lo, IntensityUpper: hi, Altitude: g.band()}
			if g.maybe() {
				l.Frequency = g.pick("INTMT", "OCNL", "CONS")
			}
			if g.maybe() {
				l.Type = g.pick("CAT", "CHOP")
			}
			if g.r.IntN(6) == 0 {
				d := pirep.Report{Turbulence: []pirep.TurbulenceLayer{{Text: g.pick("MOD UNKN", "LGT-MOD IC", "BUMPY", "OCNL SEV MTN WAVE")}}}
				d.Normalize()
				l = d.Turbulence[0]
			}
			r.Turbulence = append(r.Turbulence, l)
		}
	}
	if g.maybe() {
		for i := g.n(1, 3); i > 0; i-- {
			lo, hi := g.rangeOf([]string{"NEG", "TRACE", "LGT", "MOD", "SEV"})
			l := pirep.IcingLayer{Intensity: lo, IntensityUpper: hi, Altitude: g.band()}
			if g.maybe() {
				l.Type = g.pick("RIME", "CLR", "MX")
			}
			if g.r.IntN(6) == 0 {
				d := pirep.Report{Icing: []pirep.IcingLayer{{Text: g.pick("TRACE UNKN", "NEC", "- RIME ICING", "LGT GLAZE")}}}
				d.Normalize()
				l = d.Icing[0]
			}
			r.Icing = append(r.Icing, l)
		}
	}
	if g.maybe() || (r.Sky == nil && r.Weather == nil && r.Temperature == nil && r.Wind == nil && r.Turbulence == nil && r.Icing == nil) {
		words := []string{"LLWS", "+/-15", "KT", "SFC-008", "DURC", "RY22", "JFK", "SMTH", "CWSU", "ZDV", "TOP", "060", "A/C", "=X", "VOLCANIC", "ASH", "HAIL", "TORNADO"}
		var ws []string
		for i := g.n(1, 8); i > 0; i-- {
			ws = append(ws, g.pick(words...))
		}
		ws = append(ws, "END")
		r.Remarks = strings.Join(ws, " ")
	}
	r.Warnings = r.Warn()
	return r
}

func pad2(v int) string {
	if v < 10 {
		return "0" + string(rune('0'+v))
	}
	return string(rune('0'+v/10)) + string(rune('0'+v%10))
}

// TestRoundTripProperty: for random valid structures r,
// Parse(Encode(r)) == r and Encode is a fixed point; the JSON form
// round-trips through Normalize+Validate unchanged.
func TestRoundTripProperty(t *testing.T) {
	t.Parallel()
	g := gen{rand.New(rand.NewPCG(7, 2026))}
	for i := 0; i < 5000; i++ {
		r := g.report()
		require.NoError(t, r.Validate(), "generator produced an invalid report: %+v", r)
		text := r.Encode()
		back, err := pirep.Parse(text)
		require.NoError(t, err, text)
		require.Equal(t, r, back, text)
		require.Equal(t, text, back.Encode())

		js, err := json.Marshal(r)
		require.NoError(t, err)
		require.Equal(t, r, fromJSON(t, js))
	}
}

// FuzzParse: no panic; anything accepted is a valid structure whose
// canonical text re-parses to the same structure and is a fixed point.
func FuzzParse(f *testing.F) {
	for _, s := range append(slices.Clone(vectorInputs),
		"UA /OV 3831N 14418W/TM 2359/FLDURD/TP B738/SK SCT-BKN050-TOP100/OVC-TOP085/SKC/WV 290030/TB OCNL MDT-SVR CAT BLO 080/LT CHOP 120-180/IC LT-MDT MXD ABV 095/RM LLWS +/-15 KT SFC-008 DURC RY22 JFK=",
		"KJFK UA /OV KSTL090030-KMKC045015/TM 1200/FL UNKN/TP UNKN/WX FV1/2SM +TSRA GR/TA -03/RM HAIL DURC",
		// lenient classes
		"DEN UA /OV 20 NE DEN /TM 1200 /FL95 /TP B738 /TB LIGHT TO MODERATE CHOPPY",
		"XQ UA /OV 41N062W/TM 0300/FL030-000/TP B77W/TB MDT OCCASIONAL FL340-FL360/IC TRACE UNKN",
		"UA /OV RY 27L SHORT FINAL/TM 2100/FLDRUC/TP E75L/SK 022OVC048 B070 OVC T095/WX 5 HZ/TA ABT 5/WV VRB05KT/RM +/- 15KT ON FINAL",
		"BOS UA /OV BOS-20 W ORH/TM 1500/FL120/TP A320/SK FEW020/TB CONT LGT OCNL MOD/BUMPY/SK TOPS 085/IC MODERATE MIXED 090-060=",
		"KCMH UA /OV O/ANY/TM 1516/FLBKN0/TP BE20",
	) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := pirep.Parse(s)
		if err != nil {
			var pe *pirep.Error
			if !assert.ErrorAs(t, err, &pe) {
				return
			}
			assert.True(t, pe.Pos >= 0 && pe.Pos <= len(s), "position %d out of [0,%d]", pe.Pos, len(s))
			return
		}
		require.NoError(t, r.Validate(), "accepted %q but the structure is invalid", s)
		text := r.Encode()
		back, err := pirep.Parse(text)
		require.NoError(t, err, "canonical %q of %q does not parse", text, s)
		require.Equal(t, r, back)
		require.Equal(t, text, back.Encode())
	})
}

// FuzzSubmitJSON: any JSON body either is refused with a validation error
// naming a field, or yields a stored structure that equals the parse of its
// canonical text.
func FuzzSubmitJSON(f *testing.F) {
	for _, s := range []string{
		`{"location":{"points":[{"fix":"KJFK","radial":90,"distance":10}]},"time":"1150","altitude":{"level":80},"aircraft_type":"B738","icing":[{"intensity":"SEVERE","type":"MXD"}]}`,
		`{"type":"UA","location":{"points":[{"lat":38.5,"lon":-144.3}]},"time":"0000","altitude":{"unknown":true,"phase":"DURD"},"aircraft_type":"UNKN","remarks":"SMTH"}`,
		`{"location":{"points":[{"fix":"AB"}]},"time":"2359","altitude":{"level":999},"aircraft_type":"C172","sky":[{"cover":"SCT","cover_upper":"BKN","base":50,"top_unknown":true},{"cover":"SKC"}],"weather":{"flight_visibility":3,"groups":["+TSRA","FC"]},"temperature":-18,"wind":{"direction":360,"speed":102},"turbulence":[{"frequency":"OCNL","intensity":"MOD","intensity_upper":"SEV","type":"CAT","altitude":{"qualifier":"BLO","base":80}}]}`,
		`{}`, `{"type":"XX"}`, `{"location":{"points":[]}}`,
	} {
		f.Add(s)
	}
	who := domain.Principal{UserID: "u", TenantID: "t", Role: domain.RolePilot}
	at := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		var r pirep.Report
		if json.Unmarshal([]byte(s), &r) != nil {
			return
		}
		d, err := pirep.Submit("P", "t", who, pirep.Submission{Report: &r}, at)
		if err != nil {
			var fe *domain.FieldError
			require.ErrorAs(t, err, &fe, "refusals name a field: %v", err)
			require.NotEmpty(t, fe.Field)
			return
		}
		back, err := pirep.Parse(d.Raw)
		require.NoError(t, err, d.Raw)
		require.Equal(t, d.Report, back)
		require.Equal(t, d.Type == pirep.Urgent, d.Urgent)
	})
}
