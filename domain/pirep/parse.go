package pirep

import (
	"fmt"
	"strings"
)

const expectTags = "one of /OV /TM /FL /TP /SK /WX /TA /WV /TB /IC /RM"

// tagAt returns the index of the element tag starting at s[i] ('/' plus
// two letters), or -1. A tag is followed by the end, a space, a '/' or any
// non-letter (so "/SKC" and "/OVC" inside sky layers are not tags), except
// /FL which may be followed directly by UNKN or DUR... .
func tagAt(s string, i int) int {
	if i+3 > len(s) || s[i] != '/' {
		return -1
	}
	t := -1
	a, b := s[i+1], s[i+2]
	for k, tag := range tags {
		if tag[0] == a && tag[1] == b {
			t = k
			break
		}
	}
	if t < 0 || i+3 == len(s) {
		return t
	}
	c := s[i+3]
	if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
		return t
	}
	if t == tFL && (strings.HasPrefix(s[i+3:], "UNKN") || strings.HasPrefix(s[i+3:], "DUR")) {
		return t
	}
	return -1
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// tok is a word with its byte position in the input.
type tok struct {
	w string
	p int
}

type parser struct {
	s    string
	toks [16]tok
	r    Report
	pos  [len(tags)]int
	seen [len(tags)]bool
}

// fields splits s[from:to] on whitespace; at most len(p.toks) words are
// kept (more is an error for every element that uses it).
func (p *parser) fields(from, to int) ([]tok, bool) {
	out := p.toks[:0]
	i := from
	for {
		for i < to && isSpace(p.s[i]) {
			i++
		}
		if i >= to {
			return out, true
		}
		j := i
		for j < to && !isSpace(p.s[j]) {
			j++
		}
		if len(out) == cap(out) {
			return out, false
		}
		out = append(out, tok{p.s[i:j], i})
		i = j
	}
}

// compact returns s[from:to] without whitespace.
func compact(s string, from, to int) string {
	for from < to && isSpace(s[from]) {
		from++
	}
	for to > from && isSpace(s[to-1]) {
		to--
	}
	seg := s[from:to]
	if strings.IndexAny(seg, " \t\r\n") < 0 {
		return seg
	}
	var b strings.Builder
	b.Grow(len(seg))
	for i := 0; i < len(seg); i++ {
		if !isSpace(seg[i]) {
			b.WriteByte(seg[i])
		}
	}
	return b.String()
}

// Parse decodes an encoded PIREP. It accepts spaces before tags, 3- or
// 4-character station ids or none, '=' terminators, the input synonyms
// (MDT SVR SEVERE EXTREME MXD LT TRC MIXED CLEAR CONT CLR BLW ABOVE ...),
// "/TA UNKN" (no data), "/FLDURC" and "/FLDURD" (also DURGC/DURGD), the
// old wind form "290030", and layers split by '/' inside /SK, /TB and /IC.
// The report's type is returned as written (see Decide). A refused report
// yields an *Error with the element, byte position and expected form.
func Parse(text string) (Report, error) {
	if len(text) > MaxText {
		return Report{}, textErr(-1, MaxText, fmt.Sprintf("report of %d bytes", len(text)), fmt.Sprintf("at most %d bytes", MaxText))
	}
	end := len(text)
	for end > 0 && (isSpace(text[end-1]) || text[end-1] == '=') {
		end--
	}
	for i := 0; i < end; i++ {
		if c := text[i]; (c < 0x20 || c > 0x7e) && !isSpace(c) {
			return Report{}, textErr(-1, i, fmt.Sprintf("character %q", c), "printable ASCII")
		}
	}
	p := parser{s: text[:end]}
	if err := p.parse(); err != nil {
		return Report{}, err
	}
	return p.r, nil
}

func (p *parser) parse() error {
	s := p.s
	i := skipSpaces(s, 0)
	w, j := headWord(s, i)
	if w != "UA" && w != "UUA" {
		if w == "" {
			return &Error{Element: "station", Field: "raw", Pos: i, Problem: "empty report", Expected: "[station] UA|UUA /OV ... /TM ... /FL... /TP ...", text: true}
		}
		if !isIdent(w, 3, 4) {
			return &Error{Element: "station", Field: "station", Pos: i, Problem: fmt.Sprintf("invalid station %q", w), Expected: "a 3- or 4-character station id, or UA/UUA", text: true}
		}
		p.r.Station = w
		i = skipSpaces(s, j)
		w, j = headWord(s, i)
	}
	if w != "UA" && w != "UUA" {
		return &Error{Element: "type", Field: "type", Pos: i, Problem: fmt.Sprintf("found %q", w), Expected: "UA or UUA", text: true}
	}
	p.r.Type = Type(w)
	i = skipSpaces(s, j)
	last := -1
	for i < len(s) {
		t := tagAt(s, i)
		if t < 0 {
			if s[i] == '/' && i+2 < len(s) {
				return textErr(-1, i, fmt.Sprintf("unknown element tag %q", s[i:i+3]), expectTags)
			}
			return textErr(-1, i, fmt.Sprintf("unexpected %q", s[i:min(len(s), i+8)]), expectTags)
		}
		if p.seen[t] {
			return textErr(t, i, "duplicate element /"+tags[t], "each element at most once")
		}
		if t < last {
			return textErr(t, i, fmt.Sprintf("/%s after /%s", tags[t], tags[last]), "elements in the order "+strings.Join(tags[:], " "))
		}
		last = t
		p.seen[t], p.pos[t] = true, i
		cs := i + 3
		ce := cs
		for ce < len(s) && !(s[ce] == '/' && tagAt(s, ce) >= 0) {
			ce++
		}
		if t != tRM && t != tSK && t != tTB && t != tIC {
			if err := p.stray(cs, ce); err != nil {
				return err
			}
		}
		if err := p.element(t, cs, ce); err != nil {
			return err
		}
		i = ce
	}
	for _, t := range []int{tOV, tTM, tFL, tTP} {
		if !p.seen[t] {
			at := len(s)
			for k := t + 1; k < len(tags); k++ {
				if p.seen[k] {
					at = p.pos[k]
					break
				}
			}
			return textErr(t, at, "missing mandatory element /"+tags[t], expectForm[t])
		}
	}
	if err := p.r.Validate(); err != nil {
		e := err.(*Error)
		e.text = true
		e.Pos = len(s)
		for k, tag := range tags {
			if tag == e.Element && p.seen[k] {
				e.Pos = p.pos[k]
			}
		}
		return e
	}
	return nil
}

// stray refuses "/XX" with an unknown two-letter tag inside an element.
func (p *parser) stray(from, to int) error {
	s := p.s
	for k := from; k+3 <= to; k++ {
		if s[k] == '/' && isUpper(s[k+1]) && isUpper(s[k+2]) && (k+3 == to || !isUpper(s[k+3]) && !(s[k+3] >= '0' && s[k+3] <= '9')) {
			return textErr(-1, k, fmt.Sprintf("unknown element tag %q", s[k:k+3]), expectTags)
		}
	}
	return nil
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

func skipSpaces(s string, i int) int {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}

// headWord reads a word ending at whitespace or '/'.
func headWord(s string, i int) (string, int) {
	j := i
	for j < len(s) && !isSpace(s[j]) && s[j] != '/' {
		j++
	}
	return s[i:j], j
}

var expectForm = [...]string{
	tOV: "a fix (KJFK, APE), fix+radial+distance (KJFK107080), a route (KSTL090030-KMKC045015) or lat/long (3831N14418W)",
	tTM: "HHMM UTC (0000-2359)",
	tFL: "3 digits in hundreds of feet (/FL095) or UNKN",
	tTP: "an ICAO aircraft type designator of 2-4 characters (BE20, SR22) or UNKN",
	tSK: "layers cover[-cover][base][-TOPtop] split by / (OVC065-TOPUNKN/SKC); covers FEW SCT BKN OVC SKC",
	tWX: "[FVnnSM] then 1-3 METAR weather groups (FV03SM HZ FU)",
	tTA: "2 digits Celsius with M for negative (08, M08) or UNKN",
	tWV: "3-digit direction and 2-3 digit speed in knots (02009KT, 350102KT)",
	tTB: "[INTMT|OCNL|CONS] INT[-INT] [CAT|CHOP] [alt] with INT in NEG LGT MOD SEV EXTRM, alt 040, 120-180, BLO 080 or ABV 290; layers split by /",
	tIC: "INT[-INT] [RIME|CLR|MX] [alt] with INT in NEG TRACE LGT MOD SEV; layers split by /",
	tRM: fmt.Sprintf("free text of at most %d bytes", MaxRemarks),
}

func (p *parser) bad(t, pos int, problem string) error {
	return textErr(t, pos, problem, expectForm[t])
}

func (p *parser) element(t, cs, ce int) error {
	s := p.s
	switch t {
	case tOV:
		return p.ov(cs, ce)
	case tTM:
		f, ok := p.fields(cs, ce)
		if !ok || len(f) != 1 {
			return p.bad(t, cs, "expected one time")
		}
		w := strings.TrimSuffix(f[0].w, "Z")
		if !validHHMM(w) {
			return p.bad(t, f[0].p, fmt.Sprintf("invalid time %q", f[0].w))
		}
		p.r.Time = w
	case tFL:
		f, ok := p.fields(cs, ce)
		if !ok || len(f) == 0 || len(f) > 2 {
			return p.bad(t, cs, "expected one altitude")
		}
		w := f[0].w
		switch {
		case len(w) == 3 && allDigits(w):
			p.r.Altitude.Level = intp(atoi(w))
		case w == Unknown:
			p.r.Altitude.Unknown = true
		case phaseWord(w) != "":
			p.r.Altitude.Unknown, p.r.Altitude.Phase = true, phaseWord(w)
		default:
			return p.bad(t, f[0].p, fmt.Sprintf("invalid altitude %q", w))
		}
		if len(f) == 2 {
			ph := phaseWord(f[1].w)
			if ph == "" || p.r.Altitude.Phase != "" {
				return p.bad(t, f[1].p, fmt.Sprintf("unexpected %q", f[1].w))
			}
			p.r.Altitude.Phase = ph
		}
	case tTP:
		f, ok := p.fields(cs, ce)
		if !ok || len(f) != 1 {
			return p.bad(t, cs, "expected one aircraft type")
		}
		if f[0].w != Unknown && !isIdent(f[0].w, 2, 4) {
			return p.bad(t, f[0].p, fmt.Sprintf("invalid aircraft type %q", f[0].w))
		}
		p.r.AircraftType = f[0].w
	case tSK:
		return p.layers(t, cs, ce)
	case tWX:
		return p.wx(cs, ce)
	case tTA:
		f, ok := p.fields(cs, ce)
		if !ok || len(f) != 1 {
			return p.bad(t, cs, "expected one temperature")
		}
		w := f[0].w
		if w == Unknown {
			return nil // no data: left out
		}
		neg := false
		switch {
		case strings.HasPrefix(w, "M"), strings.HasPrefix(w, "-"):
			neg, w = true, w[1:]
		case strings.HasPrefix(w, "+"):
			w = w[1:]
		}
		if len(w) < 1 || len(w) > 2 || !allDigits(w) {
			return p.bad(t, f[0].p, fmt.Sprintf("invalid temperature %q", f[0].w))
		}
		v := atoi(w)
		if neg {
			v = -v
		}
		p.r.Temperature = intp(v)
	case tWV:
		w := strings.TrimSuffix(compact(s, cs, ce), "KT")
		if (len(w) != 5 && len(w) != 6) || !allDigits(w) {
			return p.bad(t, cs, fmt.Sprintf("invalid wind %q", strings.TrimSpace(s[cs:ce])))
		}
		p.r.Wind = &Wind{Direction: atoi(w[:3]), Speed: atoi(w[3:])}
	case tTB, tIC:
		return p.layers(t, cs, ce)
	case tRM:
		return p.rm(cs, ce)
	}
	return nil
}

func phaseWord(w string) string {
	switch w {
	case "DURC", "DURGC":
		return PhaseClimb
	case "DURD", "DURGD":
		return PhaseDescent
	}
	return ""
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func (p *parser) ov(cs, ce int) error {
	s := p.s
	start := cs
	for k := cs; k <= ce; k++ {
		if k < ce && s[k] != '-' {
			continue
		}
		seg := compact(s, start, k)
		pt, ok := parsePoint(seg)
		if !ok {
			return p.bad(tOV, skipSpaces(s, start), fmt.Sprintf("invalid point %q", seg))
		}
		if len(p.r.Location.Points) == maxPoints {
			return p.bad(tOV, start, fmt.Sprintf("more than %d points", maxPoints))
		}
		p.r.Location.Points = append(p.r.Location.Points, pt)
		start = k + 1
	}
	return nil
}

func parsePoint(seg string) (Point, bool) {
	n := len(seg)
	if n == 11 && allDigits(seg[:4]) && (seg[4] == 'N' || seg[4] == 'S') && allDigits(seg[5:10]) && (seg[10] == 'E' || seg[10] == 'W') {
		latM, lonM := atoi(seg[:2])*60+atoi(seg[2:4]), atoi(seg[5:8])*60+atoi(seg[8:10])
		if atoi(seg[2:4]) >= 60 || atoi(seg[8:10]) >= 60 || latM > 90*60 || lonM > 180*60 {
			return Point{}, false
		}
		if seg[4] == 'S' {
			latM = -latM
		}
		if seg[10] == 'W' {
			lonM = -lonM
		}
		lat, lon := float64(latM)/60, float64(lonM)/60
		return Point{Lat: &lat, Lon: &lon}, true
	}
	if n > 6 && allDigits(seg[n-6:]) {
		fix := seg[:n-6]
		rad, dist := atoi(seg[n-6:n-3]), atoi(seg[n-3:])
		if !isIdent(fix, 2, 5) || rad > 360 {
			return Point{}, false
		}
		return Point{Fix: fix, Radial: intp(rad), Distance: intp(dist)}, true
	}
	if !isIdent(seg, 2, 5) {
		return Point{}, false
	}
	return Point{Fix: seg}, true
}

func (p *parser) wx(cs, ce int) error {
	f, ok := p.fields(cs, ce)
	if !ok || len(f) == 0 {
		return p.bad(tWX, cs, "expected flight visibility and/or weather groups")
	}
	w := &Weather{}
	if v := f[0].w; strings.HasPrefix(v, "FV") && strings.HasSuffix(v, "SM") && len(v) > 4 {
		num := v[2 : len(v)-2]
		vis := -1
		switch {
		case allDigits(num) && len(num) <= 3:
			vis = min(atoi(num), 99)
		case strings.Count(num, "/") == 1:
			a, b, _ := strings.Cut(num, "/")
			if allDigits(a) && allDigits(b) && len(a) <= 2 && len(b) <= 2 && atoi(b) > 0 {
				vis = min(atoi(a)/atoi(b), 99)
			}
		}
		if vis < 0 {
			return p.bad(tWX, f[0].p, fmt.Sprintf("invalid flight visibility %q", v))
		}
		w.FlightVisibility = intp(vis)
		f = f[1:]
	}
	if len(f) > maxGroups {
		return p.bad(tWX, f[maxGroups].p, fmt.Sprintf("%d weather groups", len(f)))
	}
	for _, g := range f {
		if !validWXGroup(g.w) {
			return p.bad(tWX, g.p, fmt.Sprintf("invalid weather group %q", g.w))
		}
		w.Groups = append(w.Groups, g.w)
	}
	p.r.Weather = w
	return nil
}

// layers parses /SK, /TB or /IC: layers split by '/'.
func (p *parser) layers(t, cs, ce int) error {
	s := p.s
	start := cs
	n := 0
	for k := cs; k <= ce; k++ {
		if k < ce && s[k] != '/' {
			continue
		}
		if n == maxLayers {
			return p.bad(t, start, fmt.Sprintf("more than %d layers", maxLayers))
		}
		n++
		var err error
		switch t {
		case tSK:
			err = p.skLayer(start, k)
		case tTB:
			err = p.tbLayer(start, k)
		case tIC:
			err = p.icLayer(start, k)
		}
		if err != nil {
			// "/XX ..." with an unknown two-letter word: an unknown tag.
			if k0 := skipSpaces(s, start); start > cs && k0+2 <= k && isUpper(s[k0]) && isUpper(s[k0+1]) &&
				(k0+2 == k || isSpace(s[k0+2])) && canon(s[k0:k0+2]) == s[k0:k0+2] {
				return textErr(-1, start-1, fmt.Sprintf("unknown element tag %q", "/"+s[k0:k0+2]), expectTags)
			}
			return err
		}
		start = k + 1
	}
	return nil
}

func (p *parser) skLayer(from, to int) error {
	seg := compact(p.s, from, to)
	pos := skipSpaces(p.s, from)
	fail := func() error { return p.bad(tSK, pos, fmt.Sprintf("invalid sky layer %q", seg)) }
	if len(seg) < 3 {
		return fail()
	}
	var l SkyLayer
	c := seg[:3]
	if c == "CLR" {
		c = "SKC"
	}
	if c != "SKC" && rank(covers, c) < 0 {
		return fail()
	}
	l.Cover = c
	rest := seg[3:]
	if len(rest) >= 4 && rest[0] == '-' && rank(covers, rest[1:4]) >= 0 {
		l.CoverUpper, rest = rest[1:4], rest[4:]
	}
	switch {
	case strings.HasPrefix(rest, Unknown):
		l.BaseUnknown, rest = true, rest[4:]
	case len(rest) >= 3 && allDigits(rest[:3]):
		l.Base, rest = intp(atoi(rest[:3])), rest[3:]
	}
	if rest != "" {
		rest = strings.TrimPrefix(rest, "-")
		if !strings.HasPrefix(rest, "TOP") {
			return fail()
		}
		rest = rest[3:]
		switch {
		case rest == Unknown:
			l.TopUnknown = true
		case len(rest) == 3 && allDigits(rest):
			l.Top = intp(atoi(rest))
		default:
			return fail()
		}
	}
	p.r.Sky = append(p.r.Sky, l)
	return nil
}

// intensityRange splits "LGT-MOD" and applies synonyms.
func intensityRange(w string, list []string) (string, string, bool) {
	a, b, isRange := strings.Cut(w, "-")
	a = canon(a)
	if rank(list, a) < 0 {
		return "", "", false
	}
	if !isRange {
		return a, "", true
	}
	b = canon(b)
	if rank(list, b) < 0 {
		return "", "", false
	}
	return a, b, true
}

// band parses an altitude from the remaining words: "040", "120-180",
// "BLO 080", "BLO080", "ABV 290".
func band(f []tok) (*Band, int, bool) {
	if len(f) == 0 {
		return nil, 0, true
	}
	w := f[0].w
	q := ""
	for _, pre := range [...]string{"BLO", "BLW", "BELOW", "ABV", "ABOVE"} {
		if strings.HasPrefix(w, pre) {
			q = Below
			if pre[0] == 'A' {
				q = Above
			}
			w = w[len(pre):]
			used := 1
			if w == "" {
				if len(f) < 2 {
					return nil, 0, false
				}
				w, used = f[1].w, 2
			}
			if len(w) != 3 || !allDigits(w) {
				return nil, 0, false
			}
			return &Band{Qualifier: q, Base: atoi(w)}, used, true
		}
	}
	a, b, isRange := strings.Cut(w, "-")
	if len(a) != 3 || !allDigits(a) {
		return nil, 0, false
	}
	bd := &Band{Base: atoi(a)}
	if isRange {
		if len(b) != 3 || !allDigits(b) {
			return nil, 0, false
		}
		bd.Top = intp(atoi(b))
	}
	return bd, 1, true
}

func (p *parser) tbLayer(from, to int) error {
	f, ok := p.fields(from, to)
	pos := skipSpaces(p.s, from)
	fail := func() error {
		return p.bad(tTB, pos, fmt.Sprintf("invalid turbulence layer %q", strings.TrimSpace(p.s[from:to])))
	}
	if !ok || len(f) == 0 {
		return fail()
	}
	var l TurbulenceLayer
	if fq := canon(f[0].w); rank(tbFrequencies, fq) >= 0 {
		l.Frequency, f = fq, f[1:]
	}
	if len(f) == 0 {
		return fail()
	}
	var okI bool
	if l.Intensity, l.IntensityUpper, okI = intensityRange(f[0].w, tbIntensities); !okI {
		return fail()
	}
	f = f[1:]
	if len(f) > 0 && rank(tbTypes, f[0].w) >= 0 {
		l.Type, f = f[0].w, f[1:]
	}
	b, used, okB := band(f)
	if !okB || used != len(f) {
		return fail()
	}
	l.Altitude = b
	p.r.Turbulence = append(p.r.Turbulence, l)
	return nil
}

func (p *parser) icLayer(from, to int) error {
	f, ok := p.fields(from, to)
	pos := skipSpaces(p.s, from)
	fail := func() error {
		return p.bad(tIC, pos, fmt.Sprintf("invalid icing layer %q", strings.TrimSpace(p.s[from:to])))
	}
	if !ok || len(f) == 0 {
		return fail()
	}
	var l IcingLayer
	var okI bool
	if l.Intensity, l.IntensityUpper, okI = intensityRange(f[0].w, icIntensities); !okI {
		return fail()
	}
	f = f[1:]
	if len(f) > 0 {
		if ty := canon(f[0].w); rank(icTypes, ty) >= 0 {
			l.Type, f = ty, f[1:]
		}
	}
	b, used, okB := band(f)
	if !okB || used != len(f) {
		return fail()
	}
	l.Altitude = b
	p.r.Icing = append(p.r.Icing, l)
	return nil
}

func (p *parser) rm(cs, ce int) error {
	s := p.s
	from, to := skipSpaces(s, cs), ce
	for to > from && isSpace(s[to-1]) {
		to--
	}
	seg := s[from:to]
	if strings.IndexAny(seg, "\t\r\n") >= 0 || strings.Contains(seg, "  ") {
		seg = strings.Join(strings.Fields(seg), " ")
	}
	if seg == "" {
		return p.bad(tRM, cs, "empty remarks")
	}
	lastSp := strings.LastIndexByte(seg, ' ')
	if ph := phaseWord(seg[lastSp+1:]); ph != "" {
		if p.r.Altitude.Phase != "" && p.r.Altitude.Phase != ph {
			return p.bad(tRM, cs+lastSp+1, fmt.Sprintf("%s conflicts with /FL %s", ph, p.r.Altitude.Phase))
		}
		p.r.Altitude.Phase = ph
		if lastSp < 0 {
			seg = ""
		} else {
			seg = seg[:lastSp]
		}
	}
	p.r.Remarks = seg
	return nil
}
