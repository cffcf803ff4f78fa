package pirep

import (
	"fmt"
	"strings"
)

// ov decodes /OV: a route of points joined by '-', each point in one of
// the grammars of parsePoint; when any part is not a point the whole
// element is one free-text point (stored unlocated, with a warning). Spaces
// are never removed to make a fix ("10 S" is not the fix "10S").
func (p *parser) ov(cs, ce int) error {
	txt := squeeze(p.s[cs:ce])
	at := skipSpaces(p.s, cs)
	if txt == "" {
		return p.bad(tOV, at, "empty position")
	}
	if pts, ok := decodeOV(txt); ok {
		p.r.Location.Points = pts
		return nil
	}
	if !describesPlace(txt) {
		return p.bad(tOV, at, fmt.Sprintf("unreadable position %q", txt))
	}
	p.r.Location.Points = []Point{{Text: txt}}
	return nil
}

// describesPlace accepts free /OV text: every '/'-separated part holds a
// word of two or more letters or digits (a broken tag such as "O/ANY" is
// not a place; "KORD/KMDW" is).
func describesPlace(txt string) bool {
	for part := range strings.SplitSeq(txt, "/") {
		word, run := false, 0
		for i := 0; i < len(part); i++ {
			if c := part[i]; isUpper(c) || isDigit(c) {
				run++
				word = word || run >= 2
				continue
			}
			run = 0
		}
		if !word {
			return false
		}
	}
	return true
}

// decodeOV decodes /OV text as points: a route joined by '-' (or by the
// word TO between points), each part a point of parsePoint.
func decodeOV(txt string) ([]Point, bool) {
	if pts, ok := parseRoute(txt); ok {
		return pts, true
	}
	if strings.Contains(txt, " TO ") && !strings.Contains(txt, "-") {
		return parseRoute(strings.ReplaceAll(txt, " TO ", "-"))
	}
	return nil, false
}

// parseRoute splits on '-' and decodes every part as a point.
func parseRoute(txt string) ([]Point, bool) {
	n := strings.Count(txt, "-") + 1
	if n > maxPoints {
		return nil, false
	}
	pts := make([]Point, 0, n)
	for {
		k := strings.IndexByte(txt, '-')
		part := txt
		if k >= 0 {
			part = txt[:k]
		}
		pt, ok := parsePoint(strings.TrimSpace(part))
		if !ok {
			return nil, false
		}
		pts = append(pts, pt)
		if k < 0 {
			return pts, true
		}
		txt = txt[k+1:]
	}
}

// parsePoint decodes one point:
//   - lat/long: DD[MM]N|S DDD[MM]E|W, one word or two ("47N051W",
//     "4716N03402W", "3900N 4500W");
//   - FIX, FIXrrrddd, FIX rrrddd, FIXrrr/ddd, FIX rrr/ddd, FIX rrr ddd;
//   - distance direction [OF] FIX: "15 N MRF", "40 WEST ABQ", "6W KPDT",
//     "3 SOUTH OF HQZ", "15NM NE ABC"; and FIX distance direction.
func parsePoint(seg string) (Point, bool) {
	if seg == "" {
		return Point{}, false
	}
	if strings.IndexByte(seg, ' ') < 0 {
		return pointWord(seg)
	}
	var buf [8]string
	w := buf[:0]
	for f := range strings.FieldsSeq(seg) {
		if len(w) == len(buf) {
			return Point{}, false
		}
		w = append(w, f)
	}
	if len(w) == 2 {
		if lat, ok := latPart(w[0]); ok {
			if lon, ok := lonPart(w[1]); ok {
				return latLonPoint(lat, lon)
			}
			return Point{}, false
		}
	}
	if isIdent(w[0], 2, 5) && !allDigits(w[0]) {
		rest := w[1:]
		switch {
		case len(rest) == 1 && len(rest[0]) == 6 && allDigits(rest[0]):
			return radialPoint(w[0], rest[0][:3], rest[0][3:])
		case len(rest) == 1 && len(rest[0]) == 7 && rest[0][3] == '/' && allDigits(rest[0][:3]) && allDigits(rest[0][4:]):
			return radialPoint(w[0], rest[0][:3], rest[0][4:])
		case len(rest) == 2 && len(rest[0]) == 3 && allDigits(rest[0]) && len(rest[1]) == 3 && allDigits(rest[1]):
			return radialPoint(w[0], rest[0], rest[1])
		}
		if d, rad, ok := distDir(rest); ok {
			return Point{Fix: w[0], Radial: intp(rad), Distance: intp(d)}, true
		}
	}
	fix := w[len(w)-1]
	if !isIdent(fix, 2, 5) {
		return Point{}, false
	}
	head := w[:len(w)-1]
	if n := len(head); n > 1 && (head[n-1] == "OF" || head[n-1] == "FROM") {
		head = head[:n-1]
	}
	d, rad, ok := distDir(head)
	if !ok {
		return Point{}, false
	}
	return Point{Fix: fix, Radial: intp(rad), Distance: intp(d)}, true
}

// pointWord decodes a point written as one word.
func pointWord(seg string) (Point, bool) {
	if ll, ok := latLonWord(seg); ok {
		return ll, true
	}
	n := len(seg)
	if n > 6 && allDigits(seg[n-6:]) {
		return radialPoint(seg[:n-6], seg[n-6:n-3], seg[n-3:])
	}
	if n > 7 && seg[n-4] == '/' && allDigits(seg[n-3:]) && allDigits(seg[n-7:n-4]) {
		return radialPoint(seg[:n-7], seg[n-7:n-4], seg[n-3:])
	}
	if !isIdent(seg, 2, 5) {
		return Point{}, false
	}
	return Point{Fix: seg}, true
}

func radialPoint(fix, rad, dist string) (Point, bool) {
	r := atoi(rad)
	if !isIdent(fix, 2, 5) || r > 360 {
		return Point{}, false
	}
	return Point{Fix: fix, Radial: intp(r), Distance: intp(atoi(dist))}, true
}

// latLonWord splits "4716N03402W" / "47N051W" at the N/S letter.
func latLonWord(seg string) (Point, bool) {
	k := strings.IndexAny(seg, "NS")
	if k < 2 || k == len(seg)-1 {
		return Point{}, false
	}
	lat, ok1 := latPart(seg[:k+1])
	lon, ok2 := lonPart(seg[k+1:])
	if !ok1 || !ok2 {
		return Point{}, false
	}
	return latLonPoint(lat, lon)
}

// latPart reads DDN or DDMMN (S negative) in arc-minutes.
func latPart(w string) (int, bool) {
	n := len(w)
	if (n != 3 && n != 5) || !allDigits(w[:n-1]) || (w[n-1] != 'N' && w[n-1] != 'S') {
		return 0, false
	}
	m := atoi(w[:2]) * 60
	if n == 5 {
		if atoi(w[2:4]) >= 60 {
			return 0, false
		}
		m += atoi(w[2:4])
	}
	if m > 90*60 {
		return 0, false
	}
	if w[n-1] == 'S' {
		m = -m
	}
	return m, true
}

// lonPart reads DD[D]E/W or DD[D]MME/W in arc-minutes: 2-3 digits are
// degrees, 4-5 digits degrees and minutes.
func lonPart(w string) (int, bool) {
	n := len(w)
	if n < 3 || n > 6 || !allDigits(w[:n-1]) || (w[n-1] != 'E' && w[n-1] != 'W') {
		return 0, false
	}
	d := w[:n-1]
	m := 0
	if len(d) <= 3 {
		m = atoi(d) * 60
	} else {
		if atoi(d[len(d)-2:]) >= 60 {
			return 0, false
		}
		m = atoi(d[:len(d)-2])*60 + atoi(d[len(d)-2:])
	}
	if m > 180*60 {
		return 0, false
	}
	if w[n-1] == 'W' {
		m = -m
	}
	return m, true
}

func latLonPoint(latM, lonM int) (Point, bool) {
	lat, lon := float64(latM)/60, float64(lonM)/60
	return Point{Lat: &lat, Lon: &lon}, true
}

// compass maps direction letters and words onto radials (degrees).
var compass = map[string]int{
	"N": 360, "NNE": 23, "NE": 45, "ENE": 68, "E": 90, "ESE": 113, "SE": 135, "SSE": 158,
	"S": 180, "SSW": 203, "SW": 225, "WSW": 248, "W": 270, "WNW": 293, "NW": 315, "NNW": 338,
	"NORTH": 360, "NORTHEAST": 45, "EAST": 90, "SOUTHEAST": 135, "SOUTH": 180,
	"SOUTHWEST": 225, "WEST": 270, "NORTHWEST": 315,
}

// distDir reads "distance [NM] direction" in one to three words:
// ["15","N"], ["6W"], ["15NM","NE"], ["15","NM","NE"], ["15NMNE"].
func distDir(w []string) (dist, radial int, ok bool) {
	if len(w) == 0 || len(w) > 3 {
		return 0, 0, false
	}
	j := 0
	for j < len(w[0]) && isDigit(w[0][j]) {
		j++
	}
	if j == 0 || j > 3 {
		return 0, 0, false
	}
	dist = atoi(w[0][:j])
	rest := append([]string{}, w[1:]...)
	if j < len(w[0]) {
		rest = append([]string{w[0][j:]}, rest...)
	}
	if len(rest) > 0 && strings.HasPrefix(rest[0], "NM") && len(rest[0]) > 2 {
		rest[0] = rest[0][2:]
	} else if len(rest) > 1 && rest[0] == "NM" {
		rest = rest[1:]
	}
	if len(rest) != 1 {
		return 0, 0, false
	}
	radial, ok = compass[rest[0]]
	return dist, radial, ok
}
