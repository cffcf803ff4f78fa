package wsapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/connections"
)

// Control actions (the WebSocket API's route keys, spec.WSRoutes).
const (
	ActionSubscribe   = "subscribe"
	ActionUnsubscribe = "unsubscribe"
	ActionPing        = "ping"
)

// Error frame codes.
const (
	CodeMalformed         = "malformed"          // not a JSON object, or a field missing / of the wrong type
	CodeUnknownAction     = "unknown_action"     // action is not subscribe, unsubscribe or ping
	CodeTooLarge          = "too_large"          // frame above spec.WSMaxFrameBytes
	CodeRateLimited       = "rate_limited"       // more than 10 control messages in 10 s; not acted on
	CodeUnknownConnection = "unknown_connection" // the connection is closed or expired
	CodeInternal          = "internal"           // a store failure; retry later
)

// Limits of a control frame.
const (
	MaxIDLen            = 64
	MaxChannelsPerFrame = connections.MaxSubscriptions
)

// Control is a decoded client -> server control message.
type Control struct {
	Action   string
	ID       string
	Channels []string // subscribe / unsubscribe only; deduplicated, in order
}

// ErrorFrame is the server's error reply:
// {"type":"error","code":…,"message":…,"id"?,"retry_after_ms"?}.
type ErrorFrame struct {
	Type         string `json:"type"` // "error"
	Code         string `json:"code"`
	Message      string `json:"message"`
	ID           string `json:"id,omitempty"`
	RetryAfterMS int64  `json:"retry_after_ms,omitempty"`
}

func (e *ErrorFrame) Error() string { return e.Code + ": " + e.Message }

func errFrame(code, id, format string, args ...any) *ErrorFrame {
	return &ErrorFrame{Type: "error", Code: code, ID: id, Message: fmt.Sprintf(format, args...)}
}

// SubscribeAck answers subscribe.
type SubscribeAck struct {
	Type     string      `json:"type"`   // "ack"
	Action   string      `json:"action"` // "subscribe"
	ID       string      `json:"id,omitempty"`
	Accepted []string    `json:"accepted"`
	Rejected []Rejection `json:"rejected"`
}

// Rejection is one refused channel; Reason is invalid, forbidden or limit.
type Rejection struct {
	Channel string `json:"channel"`
	Reason  string `json:"reason"`
}

// UnsubscribeAck answers unsubscribe.
type UnsubscribeAck struct {
	Type    string   `json:"type"`   // "ack"
	Action  string   `json:"action"` // "unsubscribe"
	ID      string   `json:"id,omitempty"`
	Removed []string `json:"removed"`
	Missing []string `json:"missing"`
}

// Pong answers ping.
type Pong struct {
	Type string `json:"type"` // "pong"
	ID   string `json:"id,omitempty"`
}

// DecodeControl parses one control frame. It never panics; every failure
// is an *ErrorFrame naming the offending field (with the frame's id when it
// could be read).
func DecodeControl(b []byte) (Control, *ErrorFrame) {
	if len(b) > spec.WSMaxFrameBytes {
		return Control{}, errFrame(CodeTooLarge, "", "frame of %d bytes exceeds %d", len(b), spec.WSMaxFrameBytes)
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return Control{}, errFrame(CodeMalformed, "", "frame must be a JSON object")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return Control{}, errFrame(CodeMalformed, "", "frame must be a JSON object")
	}
	var c Control
	if v, ok := raw["id"]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &c.ID); err != nil {
			return Control{}, errFrame(CodeMalformed, "", "id must be a string")
		}
		if len(c.ID) > MaxIDLen {
			return Control{}, errFrame(CodeMalformed, "", "id must be at most %d bytes", MaxIDLen)
		}
	}
	v, ok := raw["action"]
	if !ok {
		return Control{}, errFrame(CodeMalformed, c.ID, "action is required")
	}
	if err := json.Unmarshal(v, &c.Action); err != nil {
		return Control{}, errFrame(CodeMalformed, c.ID, "action must be a string")
	}
	switch c.Action {
	case ActionPing:
		return c, nil
	case ActionSubscribe, ActionUnsubscribe:
	default:
		return Control{}, errFrame(CodeUnknownAction, c.ID, "unknown action %q (subscribe, unsubscribe, ping)", truncate(c.Action, 32))
	}
	v, ok = raw["channels"]
	if !ok {
		return Control{}, errFrame(CodeMalformed, c.ID, "channels is required")
	}
	var chans []string
	if err := json.Unmarshal(v, &chans); err != nil || chans == nil {
		return Control{}, errFrame(CodeMalformed, c.ID, "channels must be an array of strings")
	}
	if len(chans) == 0 || len(chans) > MaxChannelsPerFrame {
		return Control{}, errFrame(CodeMalformed, c.ID, "channels must hold 1 to %d channels", MaxChannelsPerFrame)
	}
	seen := make(map[string]bool, len(chans))
	for _, ch := range chans {
		if !seen[ch] {
			seen[ch] = true
			c.Channels = append(c.Channels, ch)
		}
	}
	return c, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
