package pirep

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Limits on repeated parts.
const (
	maxPoints = 8
	maxLayers = 8
	maxGroups = 3
)

var (
	covers        = []string{"FEW", "SCT", "BKN", "OVC"}
	tbIntensities = []string{"NEG", "LGT", "MOD", "SEV", "EXTRM"}
	icIntensities = []string{"NEG", "TRACE", "LGT", "MOD", "SEV"}
	tbFrequencies = []string{"INTMT", "OCNL", "CONS"}
	tbTypes       = []string{"CAT", "CHOP"}
	icTypes       = []string{"RIME", "CLR", "MX"}
)

// canon maps the input synonyms onto the canonical words (never emitted):
// MDT->MOD, SVR/SEVERE->SEV, EXTREME->EXTRM, MXD/MIXED->MX, LT->LGT,
// TRC->TRACE, CLEAR->CLR, CONT->CONS.
func canon(w string) string {
	switch w {
	case "MDT":
		return "MOD"
	case "SVR", "SEVERE":
		return "SEV"
	case "EXTREME":
		return "EXTRM"
	case "MXD", "MIXED":
		return "MX"
	case "LT":
		return "LGT"
	case "TRC":
		return "TRACE"
	case "CLEAR":
		return "CLR"
	case "CONT":
		return "CONS"
	}
	return w
}

func rank(list []string, w string) int {
	for i, x := range list {
		if x == w {
			return i
		}
	}
	return -1
}

// Normalize brings a structured report received as JSON into canonical
// form before Validate: input synonyms become canonical words, latitudes
// and longitudes are rounded to whole arc-minutes (what the text carries)
// and empty lists become absent. It never fails.
//
// Parts kept as text are decoded again from their text (what the text
// parser makes of it), so that a client may send back a report it read.
// Warnings are recomputed (Warn).
func (r *Report) Normalize() {
	if len(r.Location.Points) == 1 && r.Location.Points[0].Text != "" {
		txt := keepText(r.Location.Points[0].Text)
		if pts, ok := decodeOV(txt); ok {
			r.Location.Points = pts
		} else {
			r.Location.Points[0] = Point{Text: txt}
		}
	}
	r.Sky = redecode(r.Sky, appendSky)
	if w := r.Weather; w != nil && w.Text != "" {
		r.setWeatherText(keepText(w.Text))
	}
	if r.TemperatureText != "" && r.Temperature == nil {
		r.setTemperatureText(keepText(r.TemperatureText))
	}
	if r.WindText != "" && r.Wind == nil {
		r.setWindText(keepText(r.WindText))
	}
	r.Turbulence = redecode(r.Turbulence, appendTB)
	r.Icing = redecode(r.Icing, appendIC)
	for i := range r.Location.Points {
		p := &r.Location.Points[i]
		if p.Lat != nil {
			v := roundMinutes(*p.Lat)
			p.Lat = &v
		}
		if p.Lon != nil {
			v := roundMinutes(*p.Lon)
			p.Lon = &v
		}
	}
	if len(r.Sky) == 0 {
		r.Sky = nil
	}
	if r.Weather != nil && len(r.Weather.Groups) == 0 {
		r.Weather.Groups = nil
	}
	if len(r.Turbulence) == 0 {
		r.Turbulence = nil
	}
	for i := range r.Turbulence {
		l := &r.Turbulence[i]
		l.Intensity, l.IntensityUpper = canon(l.Intensity), canon(l.IntensityUpper)
	}
	if len(r.Icing) == 0 {
		r.Icing = nil
	}
	for i := range r.Icing {
		l := &r.Icing[i]
		l.Intensity, l.IntensityUpper, l.Type = canon(l.Intensity), canon(l.IntensityUpper), canon(l.Type)
	}
	r.Warnings = r.Warn()
}

func roundMinutes(deg float64) float64 {
	if math.IsNaN(deg) || math.IsInf(deg, 0) {
		return deg
	}
	return math.Round(deg*60) / 60
}

// Validate checks a structured report against the format rules. It does
// not apply the urgency rules (see Decide). Errors are *Error naming the
// JSON field (e.g. "turbulence[1].intensity").
func (r Report) Validate() error { return r.validate(false) }

// validate is Validate; parsed is true when the report comes from Parse,
// whose kept text agrees with the fields by construction (the checks that
// decode the text again are skipped: they cost time on the submit path).
func (r Report) validate(parsed bool) error {
	if r.Station != "" && !isIdent(r.Station, 2, 4) || r.Station == "UUA" || r.Station == "UA" {
		return fieldErr("station", fmt.Sprintf("invalid station %q", r.Station), "2 to 4 letters/digits with at least one letter")
	}
	if r.Type != Routine && r.Type != Urgent {
		return fieldErr("type", fmt.Sprintf("invalid type %q", r.Type), "UA or UUA")
	}
	if err := r.Location.validate(); err != nil {
		return err
	}
	if !validHHMM(r.Time) {
		return fieldErr("time", fmt.Sprintf("invalid time %q", r.Time), "HHMM (UTC, 0000-2359)")
	}
	if err := r.Altitude.validate(); err != nil {
		return err
	}
	if r.AircraftType != Unknown && !validAircraftType(r.AircraftType) {
		return fieldErr("aircraft_type", fmt.Sprintf("invalid aircraft type %q", r.AircraftType), "an ICAO type designator of 2-4 letters/digits (optionally with a -/ variant: B737-800), or UNKN")
	}
	if r.Sky == nil && r.Weather == nil && r.Temperature == nil && r.Wind == nil &&
		r.Turbulence == nil && r.Icing == nil && r.Remarks == "" && r.TemperatureText == "" && r.WindText == "" {
		return fieldErr("report", "no weather element", "at least one of sky, weather, temperature, wind, turbulence, icing, remarks")
	}
	if err := validLayers("sky", r.Sky, SkyLayer.validate); err != nil {
		return err
	}
	if w := r.Weather; w != nil {
		if err := w.validate(); err != nil {
			return err
		}
	}
	if t := r.Temperature; t != nil && (*t < -99 || *t > 99) {
		return fieldErr("temperature", fmt.Sprintf("%d out of range", *t), "-99..99 degrees Celsius")
	}
	if txt := r.TemperatureText; txt != "" {
		if _, ok, none := decodeTA(txt); ok || none || r.Temperature != nil || txt != keepText(txt) || !plainText(txt) {
			return fieldErr("temperature_text", "kept text that decodes, or with a temperature", "undecodable /TA text alone (single spaces)")
		}
	}
	if txt := r.WindText; txt != "" {
		if _, ok := decodeWV(txt); ok || r.Wind != nil || txt != keepText(txt) || !plainText(txt) {
			return fieldErr("wind_text", "kept text that decodes, or with a wind", "undecodable /WV text alone (single spaces)")
		}
	}
	if w := r.Wind; w != nil {
		if w.Direction < 0 || w.Direction > 360 {
			return fieldErr("wind.direction", fmt.Sprintf("%d out of range", w.Direction), "0..360 degrees")
		}
		if w.Speed < 0 || w.Speed > 999 {
			return fieldErr("wind.speed", fmt.Sprintf("%d out of range", w.Speed), "0..999 knots")
		}
		if w.Gust != nil && (*w.Gust < 0 || *w.Gust > 999) {
			return fieldErr("wind.gust", fmt.Sprintf("%d out of range", *w.Gust), "0..999 knots")
		}
	}
	err := validLayers("turbulence", r.Turbulence, func(l TurbulenceLayer, f fpath) error {
		if l.Text != "" {
			return keptText(f, l, l.Text, parsed, appendTB)
		}
		if l.Frequency != "" && rank(tbFrequencies, l.Frequency) < 0 {
			return fieldErr(f.s(".frequency"), fmt.Sprintf("invalid frequency %q", l.Frequency), "INTMT, OCNL or CONS")
		}
		if err := validIntensity(f, tbIntensities, l.Intensity, l.IntensityUpper); err != nil {
			return err
		}
		if l.Type != "" && rank(tbTypes, l.Type) < 0 {
			return fieldErr(f.s(".type"), fmt.Sprintf("invalid type %q", l.Type), "CAT or CHOP")
		}
		return l.Altitude.validate(f)
	})
	if err != nil {
		return err
	}
	err = validLayers("icing", r.Icing, func(l IcingLayer, f fpath) error {
		if l.Text != "" {
			return keptText(f, l, l.Text, parsed, appendIC)
		}
		if err := validIntensity(f, icIntensities, l.Intensity, l.IntensityUpper); err != nil {
			return err
		}
		if l.Type != "" && rank(icTypes, l.Type) < 0 {
			return fieldErr(f.s(".type"), fmt.Sprintf("invalid type %q", l.Type), "RIME, CLR or MX")
		}
		return l.Altitude.validate(f)
	})
	if err != nil {
		return err
	}
	return validRemarks(r.Remarks, r.Altitude.Phase)
}

func (l Location) validate() error {
	if len(l.Points) == 0 || len(l.Points) > maxPoints {
		return fieldErr("location.points", fmt.Sprintf("%d points", len(l.Points)), fmt.Sprintf("1-%d points", maxPoints))
	}
	for i, p := range l.Points {
		f := fpath{"location.points", i}
		switch {
		case p.Text != "":
			if len(l.Points) != 1 || p.Fix != "" || p.Radial != nil || p.Distance != nil || p.Lat != nil || p.Lon != nil {
				return fieldErr(f.s(".text"), "a text position with other points or fields", "text alone as the only point")
			}
			if p.Text != keepText(p.Text) || !describesPlace(p.Text) || !plainText(p.Text) {
				return fieldErr(f.s(".text"), fmt.Sprintf("invalid position text %q", p.Text), "a description of the place in capitals, single spaces, no '/'")
			}
			if _, ok := decodeOV(p.Text); ok {
				return fieldErr(f.s(".text"), fmt.Sprintf("position text %q decodes to points", p.Text), "the decoded points")
			}
		case p.Lat != nil || p.Lon != nil:
			if p.Fix != "" || p.Radial != nil || p.Distance != nil {
				return fieldErr(f.s(""), "both a fix and coordinates", "either fix [radial distance] or lat and lon")
			}
			if p.Lat == nil || p.Lon == nil {
				return fieldErr(f.s(""), "lat and lon go together", "both lat and lon")
			}
			if !(*p.Lat >= -90 && *p.Lat <= 90) || *p.Lat != roundMinutes(*p.Lat) {
				return fieldErr(f.s(".lat"), fmt.Sprintf("invalid latitude %v", *p.Lat), "-90..90 degrees in whole arc-minutes")
			}
			if !(*p.Lon >= -180 && *p.Lon <= 180) || *p.Lon != roundMinutes(*p.Lon) {
				return fieldErr(f.s(".lon"), fmt.Sprintf("invalid longitude %v", *p.Lon), "-180..180 degrees in whole arc-minutes")
			}
		default:
			if !isIdent(p.Fix, 2, 5) {
				return fieldErr(f.s(".fix"), fmt.Sprintf("invalid fix %q", p.Fix), "a NAVAID or airport id of 2-5 letters/digits with at least one letter")
			}
			if (p.Radial == nil) != (p.Distance == nil) {
				return fieldErr(f.s(""), "radial and distance go together", "both radial and distance, or neither")
			}
			if p.Radial != nil && (*p.Radial < 0 || *p.Radial > 360) {
				return fieldErr(f.s(".radial"), fmt.Sprintf("%d out of range", *p.Radial), "0..360 degrees")
			}
			if p.Distance != nil && (*p.Distance < 0 || *p.Distance > 999) {
				return fieldErr(f.s(".distance"), fmt.Sprintf("%d out of range", *p.Distance), "0..999 NM")
			}
		}
	}
	return nil
}

func (a Altitude) validate() error {
	if (a.Level == nil) == !a.Unknown {
		return fieldErr("altitude", "exactly one of level and unknown", `{"level": 0-999} or {"unknown": true}`)
	}
	if a.Level != nil && (*a.Level < 0 || *a.Level > 999) {
		return fieldErr("altitude.level", fmt.Sprintf("%d out of range", *a.Level), "0..999 hundreds of feet MSL")
	}
	if a.Top != nil && (a.Level == nil || *a.Top <= *a.Level || *a.Top > 999) {
		return fieldErr("altitude.top", "invalid band top", "level < top <= 999")
	}
	if a.Phase != "" && a.Phase != PhaseClimb && a.Phase != PhaseDescent {
		return fieldErr("altitude.phase", fmt.Sprintf("invalid phase %q", a.Phase), "DURC or DURD")
	}
	return nil
}

func (l SkyLayer) validate(f fpath) error {
	if l.Text != "" {
		if l != (SkyLayer{Text: l.Text}) || !keptLayer(l.Text) {
			return fieldErr(f.s(".text"), "kept text with other fields, or invalid", "text alone without '/', single spaces")
		}
		if _, ok := skySegment(nil, l.Text); ok {
			return fieldErr(f.s(".text"), fmt.Sprintf("sky text %q decodes", l.Text), "the decoded layers")
		}
		return nil
	}
	if l.Cover == "" {
		if l.CoverUpper != "" || l.Base != nil || l.BaseUnknown || (l.Top == nil && !l.TopUnknown) {
			return fieldErr(f.s(".cover"), "a layer without cover", "a cover, or a top alone")
		}
		return height(f, ".top", l.Top, l.TopUnknown)
	}
	if l.Cover == "SKC" {
		if l.CoverUpper != "" || l.Base != nil || l.BaseUnknown || l.Top != nil || l.TopUnknown {
			return fieldErr(f.s(""), "SKC carries no range, base or top", "SKC alone")
		}
		return nil
	}
	c := rank(covers, l.Cover)
	if c < 0 {
		return fieldErr(f.s(".cover"), fmt.Sprintf("invalid cover %q", l.Cover), "FEW, SCT, BKN, OVC or SKC")
	}
	if l.CoverUpper != "" && rank(covers, l.CoverUpper) <= c {
		return fieldErr(f.s(".cover_upper"), fmt.Sprintf("invalid upper cover %q", l.CoverUpper), "a cover more than "+l.Cover)
	}
	if err := height(f, ".base", l.Base, l.BaseUnknown); err != nil {
		return err
	}
	return height(f, ".top", l.Top, l.TopUnknown)
}

func height(f fpath, name string, v *int, unknown bool) error {
	if v != nil && unknown {
		return fieldErr(f.s(name), "both a value and unknown", "a value or unknown")
	}
	if v != nil && (*v < 0 || *v > 999) {
		return fieldErr(f.s(name), fmt.Sprintf("%d out of range", *v), "0..999 hundreds of feet MSL")
	}
	return nil
}

func (w Weather) validate() error {
	if w.Text != "" {
		if w.Text != keepText(w.Text) || !plainText(w.Text) {
			return fieldErr("weather.text", "invalid kept text", "single spaces")
		}
		d := decodeWX(w.Text)
		if d.Text == "" || !sameWeather(d, w) {
			return fieldErr("weather.text", "kept text does not match the element", "the weather as the text decodes (send text alone)")
		}
		return nil
	}
	if w.FlightVisibility == nil && len(w.Groups) == 0 {
		return fieldErr("weather", "empty", "flight_visibility and/or groups")
	}
	if v := w.FlightVisibility; v != nil && (*v < 0 || *v > 99) {
		return fieldErr("weather.flight_visibility", fmt.Sprintf("%d out of range", *v), "0..99 statute miles (99 = unrestricted)")
	}
	if w.Groups != nil && (len(w.Groups) == 0 || len(w.Groups) > maxGroups) {
		return fieldErr("weather.groups", fmt.Sprintf("%d groups", len(w.Groups)), fmt.Sprintf("1-%d METAR weather groups", maxGroups))
	}
	for i, g := range w.Groups {
		if !validWXGroup(g) {
			return fieldErr(fmt.Sprintf("weather.groups[%d]", i), fmt.Sprintf("invalid weather group %q", g), "a METAR weather group such as -RA, +TSRA, FZFG, HZ, VA, +FC")
		}
	}
	return nil
}

func validIntensity(f fpath, list []string, lo, hi string) error {
	a := rank(list, lo)
	if a < 0 {
		return fieldErr(f.s(".intensity"), fmt.Sprintf("invalid intensity %q", lo), strings.Join(list, ", "))
	}
	if hi != "" && rank(list, hi) <= a {
		return fieldErr(f.s(".intensity_upper"), fmt.Sprintf("invalid upper intensity %q", hi), "an intensity stronger than "+lo)
	}
	return nil
}

func (b *Band) validate(f fpath) error {
	if b == nil {
		return nil
	}
	if b.Qualifier != "" && b.Qualifier != Below && b.Qualifier != Above {
		return fieldErr(f.s(".altitude.qualifier"), fmt.Sprintf("invalid qualifier %q", b.Qualifier), "BLO or ABV")
	}
	if b.Base < 0 || b.Base > 999 {
		return fieldErr(f.s(".altitude.base"), fmt.Sprintf("%d out of range", b.Base), "0..999 hundreds of feet MSL")
	}
	if b.TopUnknown && (b.Top != nil || b.Qualifier != "") {
		return fieldErr(f.s(".altitude.top_unknown"), "an unknown top with a top or qualifier", "base alone")
	}
	if b.Top != nil {
		if b.Qualifier != "" {
			return fieldErr(f.s(".altitude.top"), "a BLO/ABV altitude has no top", "no top")
		}
		if *b.Top < b.Base || *b.Top > 999 {
			return fieldErr(f.s(".altitude.top"), fmt.Sprintf("%d out of range", *b.Top), "base..999 hundreds of feet MSL")
		}
	}
	return nil
}

// phase: a remark may end with a climb/descent code only when the phase is
// set (Encode writes the phase after it, so it reads back as remark text).
func validRemarks(s, phase string) error {
	if s == "" {
		return nil
	}
	if len(s) > MaxRemarks {
		return fieldErr("remarks", fmt.Sprintf("%d bytes", len(s)), fmt.Sprintf("at most %d bytes", MaxRemarks))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e {
			return fieldErr("remarks", fmt.Sprintf("character %q at %d", c, i), "printable ASCII")
		}
		if c == ' ' && (i == 0 || i == len(s)-1 || s[i-1] == ' ') {
			return fieldErr("remarks", "leading, trailing or repeated space", "words separated by single spaces")
		}
		if c == '/' && tagAt(s, i) >= 0 {
			return fieldErr("remarks", fmt.Sprintf("element tag %q inside remarks", s[i:i+3]), "free text without /XX element tags")
		}
	}
	if s[len(s)-1] == '=' {
		return fieldErr("remarks", "ends with the = terminator", "text not ending with =")
	}
	last := s[strings.LastIndexByte(s, ' ')+1:]
	if phaseWord(last) != "" && isPhaseCode(last) && phase == "" {
		return fieldErr("remarks", "ends with "+last, "the flight phase in altitude.phase")
	}
	return nil
}

// isIdent: n..m uppercase letters/digits, at least one letter.
func isIdent(s string, n, m int) bool {
	if len(s) < n || len(s) > m {
		return false
	}
	letter := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			letter = true
		case c >= '0' && c <= '9':
		default:
			return false
		}
	}
	return letter
}

func validHHMM(s string) bool {
	if len(s) != 4 || !allDigits(s) {
		return false
	}
	return (s[0]-'0')*10+(s[1]-'0') < 24 && s[2] < '6'
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

var (
	wxDescriptors = []string{"MI", "PR", "BC", "DR", "BL", "SH", "TS", "FZ"}
	wxPhenomena   = []string{"DZ", "RA", "SN", "SG", "IC", "PL", "GR", "GS", "UP", // precipitation
		"BR", "FG", "FU", "VA", "DU", "SA", "HZ", "PY", // obscuration
		"PO", "SQ", "FC", "SS", "DS"} // other
)

// validWXGroup checks a METAR present-weather group:
// [-|+|VC][descriptor]phenomena..., or a TS/SH descriptor alone.
func validWXGroup(g string) bool {
	if len(g) < 2 || len(g) > 12 {
		return false
	}
	s := g
	switch {
	case s[0] == '-' || s[0] == '+':
		s = s[1:]
	case strings.HasPrefix(s, "VC"):
		s = s[2:]
	}
	desc := ""
	if len(s) >= 2 && rank(wxDescriptors, s[:2]) >= 0 {
		desc, s = s[:2], s[2:]
	}
	if s == "" {
		return desc == "TS" || desc == "SH"
	}
	if len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i += 2 {
		if rank(wxPhenomena, s[i:i+2]) < 0 {
			return false
		}
	}
	return true
}

// fpath is a lazily formatted JSON path "prefix[i]suffix" (formatted only
// on the error path).
type fpath struct {
	prefix string
	i      int
}

func (f fpath) s(suffix string) string { return fmt.Sprintf("%s[%d]%s", f.prefix, f.i, suffix) }

// plainText: printable ASCII without element tags (kept text must not
// split into elements when the report is encoded and parsed again).
func plainText(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '/' && tagAt(s, i) >= 0 {
			return false
		}
	}
	return true
}

// keptLayer: text of a kept layer (no '/', which separates layers).
// A layer is written after a '/', so it must not read as a tag there.
func keptLayer(s string) bool {
	return s == keepText(s) && s != "" && strings.IndexByte(s, '/') < 0 && plainText(s) && tagAt("/"+s, 0) < 0
}

func sameWeather(a, b Weather) bool {
	if (a.FlightVisibility == nil) != (b.FlightVisibility == nil) || a.FlightVisibility != nil && *a.FlightVisibility != *b.FlightVisibility {
		return false
	}
	return a.Text == b.Text && slices.Equal(a.Groups, b.Groups)
}

// hasText reports whether any layer is kept as text.
func hasText[L textLayer](ls []L) bool {
	return slices.ContainsFunc(ls, func(l L) bool { return l.keptText() != "" })
}

// redecode decodes again each layer kept as text with decode (which appends
// the layers it makes of the text, or the text kept again) and keeps the
// decoded layers as they are. Without a layer kept as text it returns ls.
func redecode[L textLayer](ls []L, decode func(dst []L, text string) []L) []L {
	if !hasText(ls) {
		return ls
	}
	var out []L
	for _, l := range ls {
		if t := l.keptText(); t != "" {
			out = decode(out, strings.ReplaceAll(t, "/", " "))
		} else {
			out = append(out, l)
		}
	}
	return out
}

// validAircraftType: an ICAO designator of 2-4 letters/digits, optionally
// followed by a variant as pilots write it ("B737-800", "C172/G").
func validAircraftType(s string) bool {
	if isIdent(s, 2, 4) {
		return true
	}
	k := strings.IndexAny(s, "-/")
	if k < 0 || !isIdent(s[:k], 2, 4) {
		return false
	}
	v := s[k+1:]
	if len(v) < 1 || len(v) > 4 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if !isUpper(v[i]) && !isDigit(v[i]) {
			return false
		}
	}
	return true
}

// validLayers checks a layered element: absent (nil), or 1 to maxLayers
// layers each of which validate accepts (given the layer's field path).
func validLayers[L any](name string, ls []L, validate func(L, fpath) error) error {
	if ls == nil {
		return nil
	}
	if len(ls) == 0 || len(ls) > maxLayers {
		return fieldErr(name, fmt.Sprintf("%d layers", len(ls)), fmt.Sprintf("1-%d layers", maxLayers))
	}
	for i, l := range ls {
		if err := validate(l, fpath{name, i}); err != nil {
			return err
		}
	}
	return nil
}

// keptText validates a layer kept as its original text: the text is well
// formed and, unless the report came from parsing, decodes to exactly the
// layer (a structured submission may send the text alone).
func keptText[L comparable](f fpath, l L, text string, parsed bool, decode func([]L, string) []L) error {
	if !keptLayer(text) {
		return fieldErr(f.s(".text"), "invalid kept text", "text without '/', single spaces")
	}
	if parsed {
		return nil
	}
	if want := decode(nil, text); len(want) != 1 || want[0] != l {
		return fieldErr(f.s(".text"), "kept text does not match the layer", "the layer as the text decodes (send text alone)")
	}
	return nil
}
