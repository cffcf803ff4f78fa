package pirep

import (
	"math"
	"strconv"
	"strings"
)

// Encode returns the canonical FAA text of a report: "[SSS ]UA|UUA /OV ..."
// with no space before the following tags, "/FL" without a space, no '='
// terminator, layers joined by '/', the flight phase as the last word of
// /RM. The result is only meaningful for a report that passes Validate;
// then Parse(Encode(r)) == r.
func (r Report) Encode() string {
	var b strings.Builder
	b.Grow(96 + len(r.Remarks))
	r.AppendText(&b)
	return b.String()
}

// AppendText writes the canonical text (see Encode) to b.
func (r Report) AppendText(b *strings.Builder) {
	if r.Station != "" {
		b.WriteString(r.Station)
		b.WriteByte(' ')
	}
	b.WriteString(string(r.Type))
	b.WriteString(" /OV ")
	writePoints(b, r.Location.Points)
	b.WriteString("/TM ")
	b.WriteString(r.Time)
	b.WriteString("/FL")
	if r.Altitude.Level != nil {
		pad(b, *r.Altitude.Level, 3)
		if r.Altitude.Top != nil {
			b.WriteByte('-')
			pad(b, *r.Altitude.Top, 3)
		}
	} else {
		b.WriteString(Unknown)
	}
	b.WriteString("/TP ")
	b.WriteString(r.AircraftType)
	writeLayers(b, "/SK ", r.Sky, func(l SkyLayer) {
		if l.Cover == "" {
			if l.Top != nil {
				b.WriteString("TOP")
				pad(b, *l.Top, 3)
			} else {
				b.WriteString("TOP" + Unknown)
			}
			return
		}
		b.WriteString(l.Cover)
		if l.CoverUpper != "" {
			b.WriteByte('-')
			b.WriteString(l.CoverUpper)
		}
		if l.Base != nil {
			pad(b, *l.Base, 3)
		} else if l.BaseUnknown {
			b.WriteString(Unknown)
		}
		if l.Top != nil {
			b.WriteString("-TOP")
			pad(b, *l.Top, 3)
		} else if l.TopUnknown {
			b.WriteString("-TOP" + Unknown)
		}
	})
	if w := r.Weather; w != nil && w.Text != "" {
		b.WriteString("/WX ")
		b.WriteString(w.Text)
	} else if w != nil {
		b.WriteString("/WX")
		if w.FlightVisibility != nil {
			b.WriteString(" FV")
			pad(b, *w.FlightVisibility, 2)
			b.WriteString("SM")
		}
		for _, g := range w.Groups {
			b.WriteByte(' ')
			b.WriteString(g)
		}
	}
	if t := r.Temperature; t != nil {
		b.WriteString("/TA ")
		v := *t
		if v < 0 {
			b.WriteByte('M')
			v = -v
		}
		pad(b, v, 2)
	} else if r.TemperatureText != "" {
		b.WriteString("/TA ")
		b.WriteString(r.TemperatureText)
	}
	if w := r.Wind; w != nil {
		b.WriteString("/WV ")
		pad(b, w.Direction, 3)
		pad(b, w.Speed, 2)
		if w.Gust != nil {
			b.WriteByte('G')
			pad(b, *w.Gust, 2)
		}
		b.WriteString("KT")
	} else if r.WindText != "" {
		b.WriteString("/WV ")
		b.WriteString(r.WindText)
	}
	writeLayers(b, "/TB ", r.Turbulence, func(l TurbulenceLayer) {
		if l.Frequency != "" {
			b.WriteString(l.Frequency)
			b.WriteByte(' ')
		}
		writeLayer(b, l.Intensity, l.IntensityUpper, l.Type, l.Altitude)
	})
	writeLayers(b, "/IC ", r.Icing, func(l IcingLayer) {
		writeLayer(b, l.Intensity, l.IntensityUpper, l.Type, l.Altitude)
	})
	if r.Remarks != "" || r.Altitude.Phase != "" {
		b.WriteString("/RM ")
		b.WriteString(r.Remarks)
		if r.Altitude.Phase != "" {
			if r.Remarks != "" {
				b.WriteByte(' ')
			}
			b.WriteString(r.Altitude.Phase)
		}
	}
}

func writeLayer(b *strings.Builder, lo, hi, typ string, alt *Band) {
	b.WriteString(lo)
	if hi != "" {
		b.WriteByte('-')
		b.WriteString(hi)
	}
	if typ != "" {
		b.WriteByte(' ')
		b.WriteString(typ)
	}
	if alt != nil {
		b.WriteByte(' ')
		if alt.Qualifier != "" {
			b.WriteString(alt.Qualifier)
			b.WriteByte(' ')
		}
		pad(b, alt.Base, 3)
		if alt.Top != nil {
			b.WriteByte('-')
			pad(b, *alt.Top, 3)
		} else if alt.TopUnknown {
			b.WriteString("-" + Unknown)
		}
	}
}

// pad writes a non-negative v with at least n digits.
func pad(b *strings.Builder, v, n int) {
	var buf [8]byte
	s := strconv.AppendInt(buf[:0], int64(v), 10)
	for i := len(s); i < n; i++ {
		b.WriteByte('0')
	}
	b.Write(s)
}

// writeCoord writes degrees as DDMM[N|S] (deg=2) or DDDMM[E|W] (deg=3).
func writeCoord(b *strings.Builder, v float64, deg int, pos, neg byte) {
	m := int(math.Round(math.Abs(v) * 60))
	pad(b, m/60, deg)
	pad(b, m%60, 2)
	if v < 0 && m != 0 {
		b.WriteByte(neg)
	} else {
		b.WriteByte(pos)
	}
}

// writePoints writes /OV's points joined by '-' (a text point as written).
func writePoints(b *strings.Builder, pts []Point) {
	for i, p := range pts {
		if i > 0 {
			b.WriteByte('-')
		}
		if p.Text != "" {
			b.WriteString(p.Text)
			continue
		}
		if p.Lat != nil && p.Lon != nil {
			writeCoord(b, *p.Lat, 2, 'N', 'S')
			writeCoord(b, *p.Lon, 3, 'E', 'W')
			continue
		}
		b.WriteString(p.Fix)
		if p.Radial != nil && p.Distance != nil {
			pad(b, *p.Radial, 3)
			pad(b, *p.Distance, 3)
		}
	}
}
