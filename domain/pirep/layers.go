package pirep

import "strings"

// textLayer is a layer of /SK, /TB or /IC: each keeps what it could not
// decode as written (Text), and the steps on that text treat them alike.
type textLayer interface {
	SkyLayer | TurbulenceLayer | IcingLayer
	text() string
}

func (l SkyLayer) text() string        { return l.Text }
func (l TurbulenceLayer) text() string { return l.Text }
func (l IcingLayer) text() string      { return l.Text }

// hasText reports whether a layer is kept as text.
func hasText[L textLayer](ls []L) bool {
	for _, l := range ls {
		if l.text() != "" {
			return true
		}
	}
	return false
}

// anyTextWord reports whether the text of a layer has a word that is.
func anyTextWord[L textLayer](ls []L, is func(string) bool) bool {
	for _, l := range ls {
		if t := l.text(); t != "" && anyWord(strings.Fields(t), is) {
			return true
		}
	}
	return false
}

// redecodeText decodes the layers kept as text again with appendText,
// reading their '/' as a space; the decoded layers stay as they are.
func redecodeText[L textLayer](ls []L, appendText func([]L, string) []L) []L {
	if !hasText(ls) {
		return ls
	}
	var out []L
	for _, l := range ls {
		if t := l.text(); t != "" {
			out = appendText(out, strings.ReplaceAll(t, "/", " "))
		} else {
			out = append(out, l)
		}
	}
	return out
}

// writeLayers writes the element tag ("/TB ") and its layers joined by
// '/': a layer kept as text as written, any other with write. Nothing is
// written without layers.
func writeLayers[L textLayer](b *strings.Builder, tag string, ls []L, write func(L)) {
	if len(ls) == 0 {
		return
	}
	b.WriteString(tag)
	for i, l := range ls {
		if i > 0 {
			b.WriteByte('/')
		}
		if t := l.text(); t != "" {
			b.WriteString(t)
		} else {
			write(l)
		}
	}
}
