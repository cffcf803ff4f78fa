package pirep

import (
	"slices"
	"strings"
)

// Urgency reasons returned by UrgentReasons.
const (
	ReasonTornado     = "tornado, funnel cloud or waterspout"
	ReasonTurbulence  = "severe or extreme turbulence"
	ReasonIcing       = "severe icing"
	ReasonHail        = "hail"
	ReasonLLWS        = "low-level wind shear"
	ReasonVolcanicAsh = "volcanic ash"
	// Rules on words (text kept as written, remarks).
	ReasonTurbulenceWords = "severe or extreme turbulence written in words"
	ReasonIcingWords      = "severe icing written in words"
	ReasonAirspeed        = "wind shear: airspeed gain or loss of 10 kt or more near an airport"
	ReasonVolcanicAshRM   = "volcanic ash in remarks"
)

// UrgentReasons lists the urgency rules of docs/pirep.md that the report
// fires, in a fixed order (empty: routine). A range counts by its upper end
// ("MOD-SEV" is severe) - the conservative choice. Rules:
//   - /WX group with FC (funnel cloud; +FC tornado/waterspout), or /RM
//     mentioning TORNADO, FUNNEL CLOUD or WATERSPOUT;
//   - /TB layer reaching SEV or EXTRM (any type, CAT included);
//   - /IC layer reaching SEV;
//   - /WX group with GR or GS (hail), or the word HAIL in /RM;
//   - /RM "LLWS": fires unless an airspeed change below 10 kt is given or
//     the layer is reported entirely above 2,000 ft AGL (SFC-nnn / nnn-nnn
//     with a top above 020); no value given fires;
//   - /WX group with VA, or VOLCANIC ASH / VOLCANIC ERUPTION in /RM.
//
// Rules on words:
//   - severe or extreme turbulence written in words: SEV/SVR/SEVERE/
//     EXTRM/EXTREME in a /TB layer kept as text, or in /RM within three
//     words of TURB/TURBC/TURBULENCE/CHOP/CAT/MTN WAVE;
//   - severe icing written in words: the same words in an /IC layer kept
//     as text, or in /RM within three words of ICE/ICG/ICING;
//   - an airspeed gain or loss of 10 kt or more (+/-15 KT, -10KTS,
//     15KT GAIN, LOSS OF 20 KNOTS) in /RM near an airport: with a word of
//     approach, departure or runway (FINAL, APCH, APPROACH, DEP,
//     DEPARTURE, TAKEOFF, LANDING, RWY, RY, ILS, FAF, OM) or a layer
//     from the surface of 2,000 ft or less (SFC-020); a remark with the
//     word LLWS is left to the LLWS rule;
//   - volcanic ash in /RM: the word VA, or ASH with VOLCANO/VOLCANIC/
//     ERUPTION/PLUME/CLOUD/MT/MOUNT (a named volcano with ash).
func UrgentReasons(r Report) []string {
	var out []string
	rm := " " + r.Remarks + " "
	var fc, hail, va bool
	if r.Weather != nil {
		for _, g := range r.Weather.Groups {
			fc = fc || strings.Contains(g, "FC")
			hail = hail || strings.Contains(g, "GR") || strings.Contains(g, "GS")
			va = va || strings.Contains(g, "VA")
		}
	}
	if fc || strings.Contains(rm, " TORNADO") || strings.Contains(rm, " FUNNEL CLOUD") || strings.Contains(rm, " WATERSPOUT") {
		out = append(out, ReasonTornado)
	}
	for _, l := range r.Turbulence {
		if top := upper(l.Intensity, l.IntensityUpper); top == "SEV" || top == "EXTRM" {
			out = append(out, ReasonTurbulence)
			break
		}
	}
	for _, l := range r.Icing {
		if upper(l.Intensity, l.IntensityUpper) == "SEV" {
			out = append(out, ReasonIcing)
			break
		}
	}
	if hail || strings.Contains(rm, " HAIL ") {
		out = append(out, ReasonHail)
	}
	if llws(r.Remarks) {
		out = append(out, ReasonLLWS)
	}
	if va || strings.Contains(rm, " VOLCANIC ASH") || strings.Contains(rm, " VOLCANIC ERUPTION") {
		out = append(out, ReasonVolcanicAsh)
	}
	return wordRules(r, out)
}

// textHasWord reports whether the text of a layer kept as text has a word
// that is accepts.
func textHasWord[L textLayer](ls []L, is func(string) bool) bool {
	return slices.ContainsFunc(ls, func(l L) bool { return l.keptText() != "" && slices.ContainsFunc(strings.Fields(l.keptText()), is) })
}

// wordRules appends the rules on words (see UrgentReasons) that fire and
// whose structured counterpart did not.
func wordRules(r Report, out []string) []string {
	inRemarks := r.Remarks != "" && mayHaveWordRule(r.Remarks)
	if !inRemarks && !hasText(r.Turbulence) && !hasText(r.Icing) {
		return out // the common case: nothing written in words to examine
	}
	var rm []string
	if inRemarks {
		rm = strings.Fields(r.Remarks)
	}
	if !slices.Contains(out, ReasonTurbulence) {
		if textHasWord(r.Turbulence, isSevereWord) || near(rm, isSevereWord, isTurbWord, 3) {
			out = append(out, ReasonTurbulenceWords)
		}
	}
	if !slices.Contains(out, ReasonIcing) {
		if textHasWord(r.Icing, isSevereIcingWord) || near(rm, isSevereIcingWord, isIceWord, 3) {
			out = append(out, ReasonIcingWords)
		}
	}
	// a remark with the word LLWS is judged by the LLWS rule alone (it
	// knows the layer's height)
	if rm != nil && !slices.Contains(out, ReasonLLWS) && !slices.ContainsFunc(rm, isLLWS) && airspeedShear(rm) {
		out = append(out, ReasonAirspeed)
	}
	if rm != nil && !slices.Contains(out, ReasonVolcanicAsh) && ashInRemarks(rm) {
		out = append(out, ReasonVolcanicAshRM)
	}
	return out
}

// mayHaveWordRule is a cheap filter before splitting the remarks into
// words: every rule on remarks needs one of these substrings.
func mayHaveWordRule(rm string) bool {
	for i := 0; i+1 < len(rm); i++ {
		switch rm[i : i+2] {
		case "KT", "KN", "SE", "SV", "EX", "XT", "AS", "VA":
			return true
		}
	}
	return false
}

func isLLWS(w string) bool { return w == "LLWS" }

// near: a word matching a within dist words of one matching b.
func near(ws []string, a, b func(string) bool, dist int) bool {
	for i, w := range ws {
		if !a(w) {
			continue
		}
		for j := max(0, i-dist); j <= min(len(ws)-1, i+dist); j++ {
			if j != i && b(ws[j]) {
				return true
			}
		}
	}
	return false
}

// trimWord drops punctuation around a word ("TURB," "(SEV").
func trimWord(w string) string { return strings.Trim(w, ".,;:()!?") }

func isSevereWord(w string) bool {
	switch w = trimWord(w); w {
	case "SEV", "SVR", "SEVERE", "EXTRM", "EXTREME", "XTRM":
		return true
	}
	// ranges such as MOD-SEV count by their upper end
	_, hi, ok := strings.Cut(w, "-")
	return ok && (hi == "SEV" || hi == "SVR" || hi == "SEVERE" || hi == "EXTRM" || hi == "EXTREME")
}

func isSevereIcingWord(w string) bool {
	switch w = trimWord(w); w {
	case "SEV", "SVR", "SEVERE":
		return true
	}
	_, hi, ok := strings.Cut(w, "-")
	return ok && (hi == "SEV" || hi == "SVR" || hi == "SEVERE")
}

func isTurbWord(w string) bool {
	switch trimWord(w) {
	case "TURB", "TURBC", "TURBULENCE", "CHOP", "CHOPPY", "CAT", "MTN", "MWAVE", "WAVE", "DOWNDRAFT", "DOWNDRAFTS", "UPDRAFT", "UPDRAFTS":
		return true
	}
	return false
}

func isIceWord(w string) bool {
	switch trimWord(w) {
	case "ICE", "ICG", "ICING", "RIME", "CLR", "MXD", "MX", "MIXED":
		return true
	}
	return false
}

// airspeedShear: an airspeed change of 10 kt or more written in /RM near
// an airport (see UrgentReasons).
func airspeedShear(ws []string) bool {
	speed := -1
	for i := range ws {
		speed = max(speed, signedKnots(ws, i))
	}
	if speed < 10 {
		return false
	}
	for _, w := range ws {
		switch trimWord(w) {
		case "FINAL", "FNL", "APCH", "APP", "APPROACH", "DEP", "DEPARTURE", "DEPARTING", "TAKEOFF", "TKOF", "T/O",
			"LANDING", "LDG", "RWY", "RY", "RW", "ILS", "FAF", "OM", "SHORT", "GO-AROUND", "CLIMBOUT":
			return true
		}
		if a, b, ok := strings.Cut(w, "-"); ok && a == "SFC" && allDigits(b) && len(b) <= 3 && atoi(b) <= 20 {
			return true
		}
		if len(w) > 2 && (strings.HasPrefix(w, "RY") || strings.HasPrefix(w, "RWY")) && isDigit(w[len(w)-1]) {
			return true
		}
	}
	return false
}

// signedKnots reads an airspeed change at ws[i]: a signed number of knots
// (+/-15 KT, +/- 15KTS, -10KT, +15 KNOTS) or knots next to GAIN/LOSS/
// GAINED/LOST/INCREASE/DECREASE. It returns -1 when ws[i] is none.
func signedKnots(ws []string, i int) int {
	w := ws[i]
	signed := false
	for len(w) > 0 && (w[0] == '+' || w[0] == '-' || w[0] == '/') {
		signed = true
		w = w[1:]
	}
	unit := false
	for _, suf := range [...]string{"KNOTS", "KTS", "KT"} {
		if strings.HasSuffix(w, suf) {
			w, unit = w[:len(w)-len(suf)], true
			break
		}
	}
	if !unit && i+1 < len(ws) {
		switch trimWord(ws[i+1]) {
		case "KT", "KTS", "KNOTS":
			unit = true
		}
	}
	if !unit {
		return -1
	}
	// a range "10-15" counts by its upper end
	if a, b, ok := strings.Cut(w, "-"); ok && allDigits(a) {
		w = b
	}
	if w == "" || len(w) > 3 || !allDigits(w) {
		return -1
	}
	if !signed && i > 0 {
		switch p := ws[i-1]; p {
		case "+/-", "+-", "-/+", "+", "-", "+/", "/-":
			signed = true
		}
	}
	if !signed {
		for j := max(0, i-2); j <= min(len(ws)-1, i+3); j++ {
			switch trimWord(ws[j]) {
			case "GAIN", "GAINED", "GAINS", "LOSS", "LOST", "LOSES", "INCREASE", "DECREASE", "IAS":
				signed = true
			}
		}
	}
	if !signed {
		return -1
	}
	return atoi(w)
}

// ashInRemarks: the word VA, or ASH with a volcano word (see
// UrgentReasons).
func ashInRemarks(ws []string) bool {
	ash, volcano := false, false
	for _, w := range ws {
		switch w = trimWord(w); {
		case w == "VA":
			return true
		case w == "ASH":
			ash = true
		case strings.HasPrefix(w, "VOLCAN"), strings.HasPrefix(w, "ERUPT"), w == "PLUME", w == "CLOUD", w == "MT", w == "MOUNT":
			volcano = true
		}
	}
	return ash && volcano
}

func upper(lo, hi string) string {
	if hi != "" {
		return hi
	}
	return lo
}

// llws applies the low-level wind shear rule to the remarks: the words
// after "LLWS" up to the next hazard keyword are examined for an airspeed
// change ("+/-15 KT", "-10KT", "LOSS 20KT") and a layer ("SFC-008",
// "010-030").
func llws(rm string) bool {
	i := strings.Index(" "+rm+" ", " LLWS ")
	if i < 0 {
		return false
	}
	words := strings.Fields(rm[i+4:])
	speed, top := -1, -1
	for k, w := range words {
		if speed < 0 {
			s := strings.TrimSuffix(w, "KT")
			if s != w || (k+1 < len(words) && words[k+1] == "KT") {
				s = strings.TrimLeft(s, "+-/")
				if allDigits(s) && len(s) <= 3 {
					speed = atoi(s)
				}
			}
		}
		if top < 0 {
			a, b, ok := strings.Cut(w, "-")
			if ok && (a == "SFC" || (len(a) == 3 && allDigits(a))) && len(b) == 3 && allDigits(b) {
				top = atoi(b)
				if a != "SFC" && atoi(a) > 20 {
					top = 1000 // layer starts above 2,000 ft
				}
			}
		}
	}
	if speed >= 0 && speed < 10 {
		return false
	}
	return top < 0 || top <= 20
}

// Decide sets r.Type from the urgency rules and the submitter's requested
// type: "" (automatic) gives UUA when a rule fires and UA otherwise; UUA is
// always allowed (manual upgrade); UA when a rule fires is refused with a
// *DowngradeError. Any other value is a validation error on "type".
func Decide(r *Report, requested Type) error {
	reasons := UrgentReasons(*r)
	switch requested {
	case "":
		r.Type = Routine
		if len(reasons) > 0 {
			r.Type = Urgent
		}
	case Urgent:
		r.Type = Urgent
	case Routine:
		if len(reasons) > 0 {
			return &DowngradeError{Reasons: reasons}
		}
		r.Type = Routine
	default:
		return fieldErr("type", "invalid type "+string(requested), "UA, UUA or omitted")
	}
	return nil
}
