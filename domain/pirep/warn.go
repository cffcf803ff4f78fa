package pirep

// Warning messages (stable texts: clients may group by them).
const (
	MsgPositionText = "position not decoded: stored unlocated, kept as written"
	MsgKept         = "not decoded: kept as written"
	MsgTypeUnknown  = "turbulence and icing reports should carry the aircraft type"
)

// Warn lists the warnings of a report, in element order: free-text /OV
// (unlocated), /TP UNKN on a turbulence or icing report, and every element
// or layer kept as text. A decoded /OV whose fixes are not in the location
// table (a NAVAID) is no warning: the resource's position is null then. It depends only on the report's fields, so
// Parse(Encode(r)).Warnings == r.Warnings.
func (r Report) Warn() Warnings {
	var out Warnings
	add := func(el, text, msg string) { out = append(out, Warning{Element: el, Text: text, Message: msg}) }
	if pts := r.Location.Points; len(pts) == 1 && pts[0].Text != "" {
		add("/OV", pts[0].Text, MsgPositionText)
	}
	if r.AircraftType == Unknown && (r.Turbulence != nil || r.Icing != nil) {
		// the format requires it, but an unknown type does not make the
		// report unusable
		add("/TP", Unknown, MsgTypeUnknown)
	}
	for _, l := range r.Sky {
		if l.Text != "" {
			add("/SK", l.Text, "sky layer "+MsgKept)
		}
	}
	if w := r.Weather; w != nil && w.Text != "" {
		add("/WX", w.Text, "weather "+MsgKept)
	}
	if r.TemperatureText != "" {
		add("/TA", r.TemperatureText, "temperature "+MsgKept)
	}
	if r.WindText != "" {
		add("/WV", r.WindText, "wind "+MsgKept)
	}
	for _, l := range r.Turbulence {
		if l.Text != "" {
			add("/TB", l.Text, undecodedMsg("turbulence layer", tbUndecoded(l.Text)))
		}
	}
	for _, l := range r.Icing {
		if l.Text != "" {
			add("/IC", l.Text, undecodedMsg("icing layer", icUndecoded(l.Text)))
		}
	}
	return out
}

func undecodedMsg(what, bad string) string {
	if bad == "" {
		return what + " " + MsgKept
	}
	return what + " " + MsgKept + ` (at "` + bad + `")`
}
