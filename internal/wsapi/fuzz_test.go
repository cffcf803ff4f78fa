package wsapi_test

import (
	"testing"
	"unicode/utf8"

	"github.com/skyledger/skyledger/internal/wsapi"
)

func FuzzDecodeControl(f *testing.F) {
	for _, s := range []string{
		`{"action":"subscribe","id":"c1","channels":["tenant:01JDA0000000000000000TENA1:pireps"]}`,
		`{"action":"unsubscribe","id":"c2","channels":["a","a"]}`,
		`{"action":"ping","id":"c3"}`,
		`{"action":"ping","id":null}`,
		`{"action":null}`,
		`{"action":"subscribe","channels":null}`,
		`{"action":"subscribe","channels":[1,2]}`,
		`{"action":"x"}`, `[]`, `{`, ``, `null`, `"ping"`, " \t{\"action\":\"ping\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, ef := wsapi.DecodeControl(b)
		if ef != nil {
			if ef.Code == "" || ef.Message == "" || ef.Type != "error" {
				t.Fatalf("incomplete error frame %+v", ef)
			}
			if !utf8.ValidString(ef.Message) && utf8.Valid(b) {
				t.Fatalf("message not UTF-8: %q", ef.Message)
			}
			return
		}
		switch c.Action {
		case wsapi.ActionPing:
		case wsapi.ActionSubscribe, wsapi.ActionUnsubscribe:
			if len(c.Channels) == 0 || len(c.Channels) > wsapi.MaxChannelsPerFrame {
				t.Fatalf("channels count %d accepted", len(c.Channels))
			}
			seen := map[string]bool{}
			for _, ch := range c.Channels {
				if seen[ch] {
					t.Fatalf("duplicate channel %q", ch)
				}
				seen[ch] = true
			}
		default:
			t.Fatalf("unknown action %q accepted", c.Action)
		}
		if len(c.ID) > wsapi.MaxIDLen {
			t.Fatalf("id of %d bytes accepted", len(c.ID))
		}
	})
}
