package pirep

import (
	"strings"
)

// keepText is how an element or layer that could not be decoded is
// stored: single spaces, no bulletin terminator at the end.
func keepText(s string) string {
	s = squeeze(s)
	for len(s) > 0 && (s[len(s)-1] == '=' || s[len(s)-1] == ' ') {
		s = s[:len(s)-1]
	}
	return s
}

// splitLayers calls fn for every non-empty '/'-separated part of s.
func splitLayers(s string, fn func(seg string)) {
	for len(s) > 0 {
		k := strings.IndexByte(s, '/')
		if k < 0 {
			k = len(s)
		}
		if seg := keepText(s[:k]); seg != "" {
			fn(seg)
		}
		if k == len(s) {
			return
		}
		s = s[k+1:]
	}
}

// ---- /SK ----

func appendSky(dst []SkyLayer, s string) []SkyLayer {
	splitLayers(s, func(seg string) {
		if l, ok := skyCanonical(seg); ok {
			dst = append(dst, l)
			return
		}
		n := len(dst)
		var ok bool
		if dst, ok = skySegment(dst, seg); !ok {
			dst = append(dst[:n], SkyLayer{Text: seg})
		}
	})
	return dst
}

// skyCanonical is the fast path for a layer in the canonical form
// cover[-cover][base|UNKN][-TOPtop|-TOPUNKN] (what Encode writes).
func skyCanonical(seg string) (SkyLayer, bool) {
	var l SkyLayer
	if len(seg) < 3 || strings.IndexByte(seg, ' ') >= 0 {
		return l, false
	}
	c := seg[:3]
	if c != "SKC" && rank(covers, c) < 0 {
		return l, false
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
		if !strings.HasPrefix(rest, "-TOP") {
			return l, false
		}
		switch rest = rest[4:]; {
		case rest == Unknown:
			l.TopUnknown = true
		case len(rest) == 3 && allDigits(rest):
			l.Top = intp(atoi(rest))
		default:
			return l, false
		}
	}
	return l, l.validate(fpath{"sky", 0}) == nil
}

// skyLex splits a sky word into lexemes: digit runs, '-', and letter runs
// with a leading cover or TOP split off ("TOPUNKN" -> TOP UNKN,
// "031BKN047" -> 031 BKN 047).
func skyLex(w string, fn func(lx string) bool) bool {
	for len(w) > 0 {
		c := w[0]
		j := 1
		switch {
		case c == '-':
		case isDigit(c):
			for j < len(w) && isDigit(w[j]) {
				j++
			}
		case isUpper(c):
			for j < len(w) && isUpper(w[j]) {
				j++
			}
			run := w[:j]
			if _, known := skyWords[run]; !known && len(run) > 3 {
				switch {
				case strings.HasPrefix(run, "TOPS"):
					j = 4
				case rank(covers, run[:3]) >= 0 || run[:3] == "SKC" || run[:3] == "CLR" || run[:3] == "TOP":
					j = 3
				}
			}
		default:
			return false
		}
		if !fn(w[:j]) {
			return false
		}
		w = w[j:]
	}
	return true
}

var skyWords = map[string]byte{
	"FEW": 'c', "SCT": 'c', "BKN": 'c', "OVC": 'c', "SKC": 'c', "CLR": 'c',
	"TOP": 't', "TOPS": 't', "T": 't', "BASE": 'b', "BASES": 'b', "B": 'b',
	"UNKN": 'u', "UNK": 'u', "AT": '_', "FL": '_',
}

// skySegment decodes one '/'-separated part of /SK into layers: the FAA
// form (BKN065-TOP080, SCT-BKN050, OVC-TOPUNKN), old layouts (050 OVC 075,
// 031BKN047, B041 OVC T061, BASES OVC020, TOP160, TOP FL320) and several
// layers separated by spaces (BKN015 OVC023).
func skySegment(dst []SkyLayer, seg string) ([]SkyLayer, bool) {
	var (
		cur     *SkyLayer
		pending = -1 // a base written before its cover
		expect  byte // 'b' base or 't' top expected next
		dash    bool
	)
	start := len(dst)
	newLayer := func() {
		dst = append(dst, SkyLayer{})
		cur = &dst[len(dst)-1]
	}
	ok := true
	for w := range strings.FieldsSeq(seg) {
		if !ok {
			break
		}
		ok = skyLex(w, func(lx string) bool {
			wasDash := dash
			dash = false
			if lx == "-" {
				dash = true
				return true
			}
			if isDigit(lx[0]) {
				if len(lx) > 3 {
					return false
				}
				n := atoi(lx)
				switch {
				case expect == 't':
					if cur == nil || cur.Top != nil || cur.TopUnknown {
						newLayer()
					}
					cur.Top = intp(n)
				case expect == 'b' || cur == nil:
					if cur != nil && cur.Base == nil && !cur.BaseUnknown && cur.Top == nil {
						cur.Base = intp(n)
					} else if pending < 0 {
						pending = n
					} else {
						return false
					}
				case cur.Base == nil && !cur.BaseUnknown && cur.Top == nil && !cur.TopUnknown:
					cur.Base = intp(n)
				case cur.Top == nil && !cur.TopUnknown:
					cur.Top = intp(n)
				default:
					return false
				}
				expect = 0
				return true
			}
			kind, known := skyWords[lx]
			if !known {
				return false
			}
			switch kind {
			case 'c':
				c := lx
				if c == "CLR" {
					c = "SKC"
				}
				if wasDash && cur != nil && cur.Cover != "" && cur.CoverUpper == "" && cur.Base == nil && !cur.BaseUnknown && cur.Top == nil {
					cur.CoverUpper = c
					return true
				}
				newLayer()
				cur.Cover = c
				if pending >= 0 {
					cur.Base, pending = intp(pending), -1
				}
			case 't', 'b':
				if expect != 0 {
					return false
				}
				expect = kind
			case 'u':
				switch {
				case expect == 't' || (expect == 0 && cur != nil && (cur.Base != nil || cur.BaseUnknown)):
					if cur == nil || cur.Top != nil || cur.TopUnknown {
						if expect != 't' {
							return false
						}
						newLayer()
					}
					cur.TopUnknown = true
				case cur != nil && cur.Cover != "" && cur.Base == nil && !cur.BaseUnknown && cur.Top == nil:
					cur.BaseUnknown = true
				default:
					return false
				}
				expect = 0
			}
			return true
		})
	}
	if !ok || pending >= 0 || expect != 0 || dash || len(dst) == start {
		return dst[:start], false
	}
	for i := start; i < len(dst); i++ {
		if dst[i].validate(fpath{"sky", i}) != nil {
			return dst[:start], false
		}
	}
	return dst, true
}

// ---- /WX ----

// decodeWX reads flight visibility (FVnnSM, nnSM, FV n/nSM, or a bare
// number first) and up to three METAR weather groups; anything else keeps
// the element as text (with what could be decoded).
func decodeWX(txt string) Weather {
	var w Weather
	first, fv := true, false
	for word := range strings.FieldsSeq(txt) {
		isFirst := first
		first = false
		if word == "FV" && w.FlightVisibility == nil {
			fv = true
			continue
		}
		if w.FlightVisibility == nil {
			v := strings.TrimPrefix(word, "FV")
			hadFV := len(v) < len(word) || fv
			sm := strings.HasSuffix(v, "SM")
			v = strings.TrimSuffix(v, "SM")
			if sm || hadFV || isFirst {
				if vis, ok := visibility(v); ok {
					w.FlightVisibility = intp(vis)
					fv = false
					continue
				}
			}
		}
		if fv || !validWXGroup(word) || len(w.Groups) == maxGroups {
			w.Text = txt
			return w
		}
		w.Groups = append(w.Groups, word)
	}
	if fv {
		w.Text = txt
	}
	return w
}

// visibility reads "10", "5", "150" (capped at 99) or "1/2" (rounded down).
func visibility(num string) (int, bool) {
	switch {
	case allDigits(num) && len(num) <= 3:
		return min(atoi(num), 99), true
	case strings.Count(num, "/") == 1:
		a, b, _ := strings.Cut(num, "/")
		if allDigits(a) && allDigits(b) && len(a) <= 2 && len(b) <= 2 && atoi(b) > 0 {
			return min(atoi(a)/atoi(b), 99), true
		}
	}
	return 0, false
}

// ---- /TA, /WV ----

// decodeTA reads a temperature: [M|MS|-|+|PS]d[d][C]; none is UNKN.
func decodeTA(txt string) (v int, ok, none bool) {
	switch txt {
	case "", Unknown, "UNK":
		return 0, false, true
	}
	w := strings.TrimSuffix(txt, "C")
	neg := false
	switch {
	case strings.HasPrefix(w, "MS"):
		neg, w = true, w[2:]
	case strings.HasPrefix(w, "PS"):
		w = w[2:]
	case strings.HasPrefix(w, "M"), strings.HasPrefix(w, "-"):
		neg, w = true, w[1:]
	case strings.HasPrefix(w, "+"):
		w = w[1:]
	}
	if len(w) < 1 || len(w) > 2 || !allDigits(w) {
		return 0, false, false
	}
	v = atoi(w)
	if neg {
		v = -v
	}
	return v, true, false
}

// decodeWV reads dddss[s][Ggg[g]][KT|KTS], spaces or a '/' between
// direction and speed allowed ("290030", "270/30KT", "21019G23KT").
func decodeWV(txt string) (Wind, bool) {
	w := txt
	if strings.ContainsAny(w, " /") {
		w = strings.NewReplacer(" ", "", "/", "").Replace(w)
	}
	for _, suf := range [...]string{"KNOTS", "KTS", "KT"} {
		if strings.HasSuffix(w, suf) {
			w = w[:len(w)-len(suf)]
			break
		}
	}
	speed, gust, hasGust := strings.Cut(w, "G")
	if len(speed) < 5 || len(speed) > 6 || !allDigits(speed) {
		return Wind{}, false
	}
	wv := Wind{Direction: atoi(speed[:3]), Speed: atoi(speed[3:])}
	if wv.Direction > 360 {
		return Wind{}, false
	}
	if hasGust {
		if len(gust) < 2 || len(gust) > 3 || !allDigits(gust) {
			return Wind{}, false
		}
		wv.Gust = intp(atoi(gust))
	}
	return wv, true
}

// ---- /TB, /IC ----

// words of /TB and /IC: kind ('f' frequency, 'i' intensity, 't' type,
// '_' ignored) and canonical value.
type word struct {
	kind byte
	val  string
}

var tbWords = map[string]word{
	"OCNL": {'f', "OCNL"}, "OCN": {'f', "OCNL"}, "OCCASIONAL": {'f', "OCNL"}, "OCNLY": {'f', "OCNL"},
	"INTMT": {'f', "INTMT"}, "INTM": {'f', "INTMT"}, "INTMTT": {'f', "INTMT"}, "INTERMITTENT": {'f', "INTMT"},
	"CONS": {'f', "CONS"}, "CONT": {'f', "CONS"}, "CONTINUOUS": {'f', "CONS"}, "CONST": {'f', "CONS"}, "CONSTANT": {'f', "CONS"},
	"NEG": {'i', "NEG"}, "NONE": {'i', "NEG"}, "NIL": {'i', "NEG"}, "SMOOTH": {'i', "NEG"}, "SMTH": {'i', "NEG"},
	"LGT": {'i', "LGT"}, "LT": {'i', "LGT"}, "LIGHT": {'i', "LGT"}, "LGHT": {'i', "LGT"}, "LIGT": {'i', "LGT"},
	"MOD": {'i', "MOD"}, "MDT": {'i', "MOD"}, "MODERATE": {'i', "MOD"}, "MDRT": {'i', "MOD"},
	"SEV": {'i', "SEV"}, "SVR": {'i', "SEV"}, "SEVERE": {'i', "SEV"},
	"EXTRM": {'i', "EXTRM"}, "EXTREME": {'i', "EXTRM"}, "XTRM": {'i', "EXTRM"}, "EXTM": {'i', "EXTRM"},
	"CAT": {'t', "CAT"}, "CHOP": {'t', "CHOP"}, "CHOPPY": {'t', "CHOP"},
	"TURB": {'_', ""}, "TURBC": {'_', ""}, "TURBULENCE": {'_', ""}, "&": {'_', ""}, "AND": {'_', ""},
}

var icWords = map[string]word{
	"NEG": {'i', "NEG"}, "NONE": {'i', "NEG"}, "NIL": {'i', "NEG"},
	"TRACE": {'i', "TRACE"}, "TRC": {'i', "TRACE"}, "TR": {'i', "TRACE"},
	"LGT": {'i', "LGT"}, "LT": {'i', "LGT"}, "LIGHT": {'i', "LGT"}, "LGHT": {'i', "LGT"},
	"MOD": {'i', "MOD"}, "MDT": {'i', "MOD"}, "MODERATE": {'i', "MOD"},
	"SEV": {'i', "SEV"}, "SVR": {'i', "SEV"}, "SEVERE": {'i', "SEV"},
	"RIME": {'t', "RIME"}, "RIM": {'t', "RIME"}, "CLR": {'t', "CLR"}, "CLEAR": {'t', "CLR"},
	"MX": {'t', "MX"}, "MXD": {'t', "MX"}, "MIXED": {'t', "MX"}, "MIX": {'t', "MX"},
	"ICE": {'_', ""}, "ICG": {'_', ""}, "ICING": {'_', ""}, "IC": {'_', ""}, "&": {'_', ""}, "AND": {'_', ""},
}

// layer is the common shape of a turbulence or icing layer while decoding.
type layer struct {
	freq, lo, hi, typ string
	alt               *Band
}

// layerSegment decodes one '/'-separated part of /TB or /IC: frequency
// words before or after the intensity, ranges (LGT-MOD, LT TO MOD), word
// forms, a type, and an altitude band; a second frequency or intensity
// starts another layer (CONS LGT OCNL MOD). On failure it returns the
// first word it could not place and what it decoded of the first layer.
func layerSegment(seg string, words map[string]word, intensities []string, out []layer) ([]layer, string, layer) {
	var ws [24]string
	w := ws[:0]
	for f := range strings.FieldsSeq(seg) {
		if len(w) == len(ws) {
			return nil, f, layer{}
		}
		w = append(w, f)
	}
	start := len(out)
	var cur *layer
	newLayer := func() {
		out = append(out, layer{})
		cur = &out[len(out)-1]
	}
	partial := func() layer {
		if len(out) > start {
			l := out[start]
			l.alt = nil
			if l.hi != "" && rank(intensities, l.hi) <= rank(intensities, l.lo) {
				l.hi = ""
			}
			return l
		}
		return layer{}
	}
	fail := func(bad string) ([]layer, string, layer) {
		p := partial()
		return out[:start], bad, p
	}
	connector := false
	for i := 0; i < len(w); i++ {
		x := w[i]
		if x == "TO" || x == "-" {
			if cur == nil || cur.lo == "" || cur.hi != "" || connector {
				return fail(x)
			}
			connector = true
			continue
		}
		if lo, hi, ok := intensityWords(x, words); ok {
			switch {
			case connector:
				if hi != "" {
					return fail(x)
				}
				cur.hi = lo
				connector = false
			case cur == nil || cur.lo != "":
				newLayer()
				cur.lo, cur.hi = lo, hi
			default:
				cur.lo, cur.hi = lo, hi
			}
			continue
		}
		if connector {
			return fail(x)
		}
		if wd, ok := words[x]; ok {
			switch wd.kind {
			case 'f':
				nextInt := false
				if i+1 < len(w) {
					_, _, nextInt = intensityWords(w[i+1], words)
				}
				if cur == nil || cur.freq != "" || (cur.lo != "" && nextInt) {
					newLayer()
				}
				cur.freq = wd.val
			case 'i':
				// handled by intensityWords
			case 't':
				if cur == nil || cur.typ != "" {
					return fail(x)
				}
				cur.typ = wd.val
			}
			continue
		}
		b, used, ok := bandWords(w[i:])
		if !ok || cur == nil || cur.alt != nil {
			return fail(x)
		}
		cur.alt = b
		i += used - 1
	}
	if connector {
		return fail(w[len(w)-1])
	}
	if len(out) == start {
		return fail(seg)
	}
	for i := start; i < len(out); i++ {
		l := &out[i]
		if l.lo == "" {
			return fail(seg)
		}
		a, b := rank(intensities, l.lo), rank(intensities, l.hi)
		switch {
		case l.hi == "":
		case b == a:
			l.hi = ""
		case b < a:
			l.lo, l.hi = l.hi, l.lo
		}
	}
	return out, "", layer{}
}

// intensityWords reads an intensity word or a range "LGT-MOD".
func intensityWords(x string, words map[string]word) (string, string, bool) {
	if wd, ok := words[x]; ok {
		return wd.val, "", wd.kind == 'i'
	}
	a, b, ok := strings.Cut(x, "-")
	if !ok {
		return "", "", false
	}
	wa, ok1 := words[a]
	wb, ok2 := words[b]
	if !ok1 || !ok2 || wa.kind != 'i' || wb.kind != 'i' {
		return "", "", false
	}
	return wa.val, wb.val, true
}

// bandWords reads an altitude or band from w[0] (and w[1] after BLO/ABV):
// 040, FL240, 120-180, 290-250 (top first), FL180-FL200, SFC-030,
// 080-UNKN, BLO 080, BLO080, ABV 290.
func bandWords(w []string) (*Band, int, bool) {
	x := w[0]
	for _, pre := range [...]string{"BELOW", "BLO", "BLW", "ABOVE", "ABV"} {
		if strings.HasPrefix(x, pre) {
			q := Below
			if pre[0] == 'A' {
				q = Above
			}
			v, used := x[len(pre):], 1
			if v == "" {
				if len(w) < 2 {
					return nil, 0, false
				}
				v, used = w[1], 2
			}
			n, ok := bandLevel(v)
			if !ok {
				return nil, 0, false
			}
			return &Band{Qualifier: q, Base: n}, used, true
		}
	}
	a, b, isRange := strings.Cut(x, "-")
	lo, ok := bandLevel(a)
	if !ok {
		return nil, 0, false
	}
	bd := &Band{Base: lo}
	if !isRange {
		return bd, 1, true
	}
	if b == Unknown || b == "UNK" {
		bd.TopUnknown = true
		return bd, 1, true
	}
	hi, ok := bandLevel(b)
	if !ok {
		return nil, 0, false
	}
	if hi < lo {
		lo, hi = hi, lo
	}
	bd.Base, bd.Top = lo, intp(hi)
	return bd, 1, true
}

// bandLevel: 2-3 digits, FL + 2-3 digits, or SFC (000).
func bandLevel(v string) (int, bool) {
	if v == "SFC" {
		return 0, true
	}
	v = strings.TrimPrefix(v, "FL")
	if len(v) < 2 || len(v) > 3 || !allDigits(v) {
		return 0, false
	}
	return atoi(v), true
}

func appendTB(dst []TurbulenceLayer, s string) []TurbulenceLayer {
	var buf [4]layer
	splitLayers(s, func(seg string) {
		ls, _, part := layerSegment(seg, tbWords, tbIntensities, buf[:0])
		if len(ls) == 0 {
			dst = append(dst, TurbulenceLayer{Text: seg, Frequency: part.freq, Intensity: part.lo, IntensityUpper: part.hi, Type: part.typ})
			return
		}
		for _, l := range ls {
			dst = append(dst, TurbulenceLayer{Frequency: l.freq, Intensity: l.lo, IntensityUpper: l.hi, Type: l.typ, Altitude: l.alt})
		}
	})
	return dst
}

func appendIC(dst []IcingLayer, s string) []IcingLayer {
	var buf [4]layer
	splitLayers(s, func(seg string) {
		ls, _, part := layerSegment(seg, icWords, icIntensities, buf[:0])
		if len(ls) == 0 {
			dst = append(dst, IcingLayer{Text: seg, Intensity: part.lo, IntensityUpper: part.hi, Type: part.typ})
			return
		}
		for _, l := range ls {
			dst = append(dst, IcingLayer{Intensity: l.lo, IntensityUpper: l.hi, Type: l.typ, Altitude: l.alt})
		}
	})
	return dst
}

// tbUndecoded returns the first word of a kept /TB text that could not be
// decoded (for the warning).
func tbUndecoded(txt string) string {
	var buf [4]layer
	_, bad, _ := layerSegment(txt, tbWords, tbIntensities, buf[:0])
	return bad
}

func icUndecoded(txt string) string {
	var buf [4]layer
	_, bad, _ := layerSegment(txt, icWords, icIntensities, buf[:0])
	return bad
}

// setWeatherText sets Weather to what /WX text txt decodes to; an empty
// txt leaves Weather as it is.
func (r *Report) setWeatherText(txt string) {
	if txt != "" {
		w := decodeWX(txt)
		r.Weather = &w
	}
}

// setTemperatureText sets Temperature from /TA text txt, or keeps txt as
// TemperatureText when it does not decode; a text meaning no temperature
// leaves both unset.
func (r *Report) setTemperatureText(txt string) {
	r.Temperature, r.TemperatureText = nil, ""
	if v, ok, none := decodeTA(txt); ok {
		r.Temperature = intp(v)
	} else if !none {
		r.TemperatureText = txt
	}
}

// setWindText sets Wind from /WV text txt, or keeps a non-empty txt as
// WindText when it does not decode.
func (r *Report) setWindText(txt string) {
	r.Wind, r.WindText = nil, ""
	if w, ok := decodeWV(txt); ok {
		r.Wind = &w
	} else if txt != "" {
		r.WindText = txt
	}
}
