package pirep

import (
	"fmt"
	"strings"
)

const expectTags = "one of /OV /TM /FL /TP /SK /WX /TA /WV /TB /IC /RM"

// tagAt returns the index of the element tag starting at s[i] ('/' plus
// two letters), or -1. A tag is followed by the end, a space, a '/' or any
// non-letter (so "/SKC" and "/OVC" inside sky layers are not tags), except
// /FL which may be followed directly by UNKN or DUR... . Whitespace may
// separate the '/' from the letters ("/ RM ...", as typed in a hurry).
func tagAt(s string, i int) int {
	t, _ := tagLen(s, i)
	return t
}

// tagLen is tagAt and the tag's length in bytes (3 without whitespace).
func tagLen(s string, i int) (int, int) {
	if i >= len(s) || s[i] != '/' {
		return -1, 0
	}
	j := i + 1
	for j < len(s) && isSpace(s[j]) {
		j++
	}
	if j+2 > len(s) {
		return -1, 0
	}
	t := tagIndex(s[j], s[j+1])
	n := j + 2 - i
	if t < 0 || j+2 == len(s) {
		return t, n
	}
	c := s[j+2]
	if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
		return t, n
	}
	if j == i+1 && t == tFL && (strings.HasPrefix(s[j+2:], "UNKN") || strings.HasPrefix(s[j+2:], "DUR")) {
		return t, n
	}
	return -1, 0
}

func tagIndex(a, b byte) int {
	for k, tag := range tags {
		if tag[0] == a && tag[1] == b {
			return k
		}
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
	toks [24]tok
	r    Report
	pos  [len(tags)]int
	seen [len(tags)]bool
	// text of /WX /TA /WV so far: a repeated element is decoded from the
	// texts joined by a space
	text [len(tags)]string
}

// joined returns the text of element t with what came before it.
func (p *parser) joined(t int, txt string) string {
	if p.text[t] != "" && txt != "" {
		txt = p.text[t] + " " + txt
	} else if txt == "" {
		txt = p.text[t]
	}
	p.text[t] = txt
	return txt
}

// fields splits s[from:to] on whitespace; at most len(p.toks) words are
// kept (the rest are dropped).
func (p *parser) fields(from, to int) []tok {
	out := p.toks[:0]
	i := from
	for {
		for i < to && isSpace(p.s[i]) {
			i++
		}
		if i >= to {
			return out
		}
		j := i
		for j < to && !isSpace(p.s[j]) {
			j++
		}
		if len(out) == cap(out) {
			return out
		}
		out = append(out, tok{p.s[i:j], i})
		i = j
	}
}

// squeeze trims s and turns every run of whitespace into one space; it
// allocates only when s is not already in that form. It is how text kept
// as written is stored: squeeze(squeeze(x)) == squeeze(x).
func squeeze(s string) string {
	from, to := 0, len(s)
	for from < to && isSpace(s[from]) {
		from++
	}
	for to > from && isSpace(s[to-1]) {
		to--
	}
	s = s[from:to]
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != ' ' && isSpace(c) || c == ' ' && s[i+1] == ' ' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// Parse decodes a PIREP leniently with strict essentials.
//
// Refused (an *Error naming the element that is wrong, the byte position
// and the expected form): no UA/UUA type, a mandatory element (/OV, /TM,
// /FL, /TP) missing or unreadable as what it is, no element after the
// mandatory ones, or text that is not a PIREP.
//
// Accepted variants: spaces before tags, station ids of 2-4 characters or
// none, '=' terminators, elements in any order, repeated optional elements
// (merged), the input synonyms and word forms (MDT MODERATE LIGHT LGHT
// SMOOTH TURB CHOP MXD CONT ...), frequency words before or after the
// intensity, bands written top-first or with FL/SFC/UNKN, old-style sky
// layouts, visibility without FV, /FL with 1-3 digits or a band,
// misspelt DURC/DURD, and /OV as fix-radial-distance with spaces or a
// slash, distance-direction-fix in letters or words, lat/long in degrees
// or degrees and minutes, routes, or free text. An optional element (or
// layer) that cannot be fully decoded is kept as written with a Warning;
// free-text /OV is kept as an unlocated point with a Warning. The
// report's type is returned as written (see Decide).
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

// tag is tagAt, and also "/FL" followed by letters while /FL has not
// been seen ("/FLBKN0" is a broken /FL, not text of the element before).
func (p *parser) tag(i int) (int, int) {
	t, n := tagLen(p.s, i)
	if t < 0 && !p.seen[tFL] && i+3 <= len(p.s) && p.s[i] == '/' && p.s[i+1] == 'F' && p.s[i+2] == 'L' {
		return tFL, 3
	}
	return t, n
}

func (p *parser) parse() error {
	s := p.s
	i := skipSpaces(s, 0)
	w, j := headWord(s, i)
	if w != "UA" && w != "UUA" {
		if w == "" {
			return &Error{Element: "station", Field: "raw", Pos: i, Problem: "empty report", Expected: "[station] UA|UUA /OV ... /TM ... /FL... /TP ...", text: true}
		}
		if !isIdent(w, 2, 4) {
			if !hasTypeWord(s) {
				return &Error{Element: "type", Field: "type", Pos: i, Problem: "not a PIREP: no UA or UUA report type", Expected: "[station] UA|UUA /OV ... /TM ... /FL... /TP ...", text: true}
			}
			return &Error{Element: "station", Field: "station", Pos: i, Problem: fmt.Sprintf("invalid station %q", w), Expected: "a 2- to 4-character station id, or UA/UUA", text: true}
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
	for i < len(s) {
		t, n := p.tag(i)
		if t < 0 {
			if s[i] == '/' && i+2 < len(s) {
				return textErr(-1, i, fmt.Sprintf("unknown element tag %q", s[i:i+3]), expectTags)
			}
			return textErr(-1, i, fmt.Sprintf("unexpected %q", s[i:min(len(s), i+8)]), expectTags)
		}
		if p.seen[t] && !mergeable(t) {
			return textErr(t, i, "duplicate element /"+tags[t], "each mandatory element once")
		}
		if !p.seen[t] {
			p.pos[t] = i
		}
		p.seen[t] = true
		cs := i + n
		ce := cs
		for ce < len(s) {
			if s[ce] == '/' {
				if t, _ := p.tag(ce); t >= 0 {
					break
				}
			}
			ce++
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
				if p.seen[k] && p.pos[k] < at {
					at = p.pos[k]
				}
			}
			return textErr(t, at, "missing mandatory element /"+tags[t], expectForm[t])
		}
	}
	if err := p.r.validate(true); err != nil {
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
	p.r.Warnings = p.r.Warn()
	return nil
}

// hasTypeWord: the text has a UA or UUA word (else it is not a PIREP,
// e.g. an AIREP or a fragment).
func hasTypeWord(s string) bool {
	for w := range strings.FieldsSeq(strings.ReplaceAll(s, "/", " ")) {
		if w == "UA" || w == "UUA" {
			return true
		}
	}
	return false
}

// mergeable: the elements that may repeat, the optional ones (layers are
// appended, remarks joined, /WX /TA /WV decoded from their joined texts).
func mergeable(t int) bool { return t >= tSK }

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

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
	tOV: "a fix (KJFK, APE), fix+radial+distance (KJFK107080, APE 230010), distance direction fix (15 N MRF), a route (KSTL090030-KMKC045015), lat/long (3831N14418W, 47N051W) or a description",
	tTM: "HHMM UTC (0000-2359)",
	tFL: "1-3 digits in hundreds of feet (/FL095), a band (/FL030-080), UNKN, or DURC/DURD",
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
		f := p.fields(cs, ce)
		if len(f) == 2 && (f[1].w == "Z" || f[1].w == "UTC" || f[1].w == "UT") {
			f = f[:1]
		}
		if len(f) != 1 {
			return p.bad(t, skipSpaces(s, cs), fmt.Sprintf("expected one time, found %q", squeeze(s[cs:ce])))
		}
		w := strings.TrimSuffix(strings.TrimSuffix(f[0].w, "Z"), "UTC")
		if len(w) == 5 && w[2] == ':' {
			w = w[:2] + w[3:]
		}
		if !validHHMM(w) {
			return p.bad(t, f[0].p, fmt.Sprintf("invalid time %q", f[0].w))
		}
		p.r.Time = w
	case tFL:
		return p.fl(cs, ce)
	case tTP:
		f := p.fields(cs, ce)
		if len(f) != 1 {
			return p.bad(t, skipSpaces(s, cs), fmt.Sprintf("expected one aircraft type, found %q", squeeze(s[cs:ce])))
		}
		w := f[0].w
		if w == "UNKNOWN" {
			w = Unknown
		}
		if w != Unknown && !validAircraftType(w) {
			return p.bad(t, f[0].p, fmt.Sprintf("invalid aircraft type %q", f[0].w))
		}
		p.r.AircraftType = w
	case tSK:
		p.r.Sky = appendSky(p.r.Sky, s[cs:ce])
	case tWX:
		p.r.setWeatherText(p.joined(t, keepText(s[cs:ce])))
	case tTA:
		p.r.setTemperatureText(p.joined(t, keepText(s[cs:ce])))
	case tWV:
		if txt := p.joined(t, keepText(s[cs:ce])); txt != "" {
			p.r.setWindText(txt)
		}
	case tTB:
		p.r.Turbulence = appendTB(p.r.Turbulence, s[cs:ce])
	case tIC:
		p.r.Icing = appendIC(p.r.Icing, s[cs:ce])
	case tRM:
		return p.rm(cs, ce)
	}
	return nil
}

// fl decodes /FL: a level of 1-3 digits, a band (either order, SFC as
// 000), UNKN, or a climb/descent code, optionally followed by one.
func (p *parser) fl(cs, ce int) error {
	f := p.fields(cs, ce)
	if len(f) == 2 && phaseWord(f[0].w) != "" && phaseWord(f[1].w) == "" {
		f[0], f[1] = f[1], f[0] // "DURC 040"
	}
	if len(f) >= 2 && (f[1].w == "-" || strings.HasPrefix(f[1].w, "-") || strings.HasSuffix(f[0].w, "-")) {
		// a band written with spaces: "100 - 120", "100 -120"
		joined, last := f[0].w, 1
		for last < len(f) && (strings.HasSuffix(joined, "-") || strings.HasPrefix(f[last].w, "-")) {
			joined += f[last].w
			last++
		}
		f = append([]tok{{joined, f[0].p}}, f[last:]...)
	}
	if len(f) == 0 || len(f) > 2 {
		return p.bad(tFL, skipSpaces(p.s, cs), fmt.Sprintf("expected one altitude, found %q", squeeze(p.s[cs:ce])))
	}
	a := &p.r.Altitude
	w := strings.TrimPrefix(f[0].w, "FL")
	switch {
	case w == "":
		return p.bad(tFL, f[0].p, "expected one altitude")
	case isLevel(w) || w == "SFC" || w == "GND":
		a.Level = intp(levelOf(w))
	case w == Unknown || w == "UNK" || w == "UNKNOWN":
		a.Unknown = true
	case phaseWord(w) != "":
		a.Unknown, a.Phase = true, phaseWord(w)
	default:
		lo, hi, ok := strings.Cut(w, "-")
		hi = strings.TrimPrefix(hi, "FL")
		if !ok || !(isLevel(lo) || lo == "SFC" || lo == "GND") || !(isLevel(hi) || hi == "SFC") {
			return p.bad(tFL, f[0].p, fmt.Sprintf("invalid altitude %q", f[0].w))
		}
		x, y := levelOf(lo), levelOf(hi)
		if x > y {
			x, y = y, x
		}
		a.Level = intp(x)
		if y > x {
			a.Top = intp(y)
		}
	}
	if len(f) == 2 {
		ph := phaseWord(f[1].w)
		if ph == "" || a.Phase != "" {
			return p.bad(tFL, f[1].p, fmt.Sprintf("unexpected %q", f[1].w))
		}
		a.Phase = ph
	}
	return nil
}

// isLevel: 1-3 digits (hundreds of feet).
func isLevel(w string) bool { return len(w) >= 1 && len(w) <= 3 && allDigits(w) }

func levelOf(w string) int {
	if w == "SFC" || w == "GND" {
		return 0
	}
	return atoi(w)
}

// phaseWord reads a climb/descent code, misspellings included: DURC,
// DURGC, DURD, DURGD, DRUC, CLIMB, CLB, DESC, DSCNT ...
func phaseWord(w string) string {
	switch w {
	case "DURC", "DURGC", "CLIMB", "CLB", "CLMB", "CLIMBING", "CLMBG", "CLMBNG":
		return PhaseClimb
	case "DURD", "DURGD", "DESC", "DSC", "DSCNT", "DESCENT", "DESCENDING", "DSND", "DSNDG", "DSCNDG":
		return PhaseDescent
	}
	if len(w) < 4 || len(w) > 6 || w[0] != 'D' || (w[1] != 'U' && w[1] != 'R') {
		return ""
	}
	for i := 0; i < len(w); i++ {
		if !isUpper(w[i]) {
			return ""
		}
	}
	switch w[len(w)-1] {
	case 'C':
		return PhaseClimb
	case 'D':
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

func (p *parser) rm(cs, ce int) error {
	s := p.s
	seg := squeeze(s[cs:ce])
	if seg == "" {
		return nil // an empty /RM carries nothing
	}
	if p.r.Remarks != "" {
		seg = p.r.Remarks + " " + seg
	}
	lastSp := strings.LastIndexByte(seg, ' ')
	if ph := phaseWord(seg[lastSp+1:]); ph != "" && isPhaseCode(seg[lastSp+1:]) && (p.r.Altitude.Phase == "" || p.r.Altitude.Phase == ph) {
		// (a code that contradicts /FL's stays in the remarks as written)
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

// isPhaseCode: the DUR... codes that end /RM carry the flight phase (a
// plain English word such as CLIMB at the end of remarks stays text).
func isPhaseCode(w string) bool { return strings.HasPrefix(w, "DU") || strings.HasPrefix(w, "DR") }
