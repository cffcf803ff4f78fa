package pirep

import (
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
	return out
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
