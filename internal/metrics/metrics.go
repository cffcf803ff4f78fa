// Package metrics emits the real-time functions' metrics as CloudWatch
// Embedded Metric Format (EMF) log lines and builds their JSON slog loggers.
// On Lambda, stdout goes to CloudWatch Logs, which extracts EMF lines into
// metrics without any API call; locally the same lines are plain JSON logs.
//
// Loggers built here redact secrets: attributes named like a credential
// (ticket, secret, password, authorization, token, key, api_key, bearer) and
// any string value that looks like an API key (sk_…_…) are replaced with
// "[REDACTED]", so a careless log call cannot leak a ticket or key.
package metrics

import (
	"encoding/json"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Namespace is the CloudWatch namespace of every SkyLedger metric.
const Namespace = "SkyLedger"

// Metric names.
const (
	ConnectionsOpened = "ConnectionsOpened"
	ConnectionsClosed = "ConnectionsClosed"
	Subscriptions     = "Subscriptions"   // channels added by subscribe / connect
	Unsubscriptions   = "Unsubscriptions" // channels removed by unsubscribe
	FramesSent        = "FramesSent"
	Gone              = "Gone"      // 410 from PostToConnection: connection removed
	Throttled         = "Throttled" // 429 from the management API (each attempt)
	SendFailed        = "SendFailed"
	RateLimited       = "RateLimited" // control messages refused by the rate limit
	ClosedByRevoke    = "ConnectionsClosedByRevoke"
	FanoutDuration    = "FanoutDuration" // ms for one Notify call
	// ProjectorDropped counts stream records the projector dropped because
	// their event is not in the event store (writes an emulator reported
	// as cancelled but leaked into its stream).
	ProjectorDropped = "ProjectorDropped"
)

// Unit is a CloudWatch unit.
type Unit string

// Units used.
const (
	Count        Unit = "Count"
	Milliseconds Unit = "Milliseconds"
)

// Metric is one value.
type Metric struct {
	Name  string
	Value float64
	Unit  Unit
}

// C is a Count metric.
func C(name string, v int) Metric { return Metric{Name: name, Value: float64(v), Unit: Count} }

// Ms is a Milliseconds metric from a duration.
func Ms(name string, d time.Duration) Metric {
	return Metric{Name: name, Value: float64(d.Microseconds()) / 1000, Unit: Milliseconds}
}

// Recorder writes EMF lines with the dimension Function. A nil *Recorder
// discards everything. Safe for concurrent use; one Emit is one line.
type Recorder struct {
	mu       sync.Mutex
	w        io.Writer
	function string
	// Now stamps lines; time.Now when nil.
	Now func() time.Time
}

// New returns a Recorder writing to w for the named function.
func New(w io.Writer, function string) *Recorder { return &Recorder{w: w, function: function} }

// Emit writes one EMF line holding every metric given (zero values
// included, so dashboards see explicit zeros). Extra properties (for
// example correlation_id) are added as plain fields, not dimensions.
func (r *Recorder) Emit(props map[string]string, ms ...Metric) {
	if r == nil || len(ms) == 0 {
		return
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	defs := make([]map[string]string, 0, len(ms))
	line := map[string]any{}
	for k, v := range props {
		line[k] = v
	}
	for _, m := range ms {
		defs = append(defs, map[string]string{"Name": m.Name, "Unit": string(m.Unit)})
		line[m.Name] = m.Value
	}
	line["Function"] = r.function
	line["_aws"] = map[string]any{
		"Timestamp": now().UnixMilli(),
		"CloudWatchMetrics": []map[string]any{{
			"Namespace":  Namespace,
			"Dimensions": [][]string{{"Function"}},
			"Metrics":    defs,
		}},
	}
	b, err := json.Marshal(line)
	if err != nil {
		return
	}
	b = append(b, '\n')
	r.mu.Lock()
	defer r.mu.Unlock()
	_, _ = r.w.Write(b)
}

// Redacted replaces a secret value in logs.
const Redacted = "[REDACTED]"

var (
	secretKeys = map[string]bool{"ticket": true, "secret": true, "password": true, "authorization": true,
		"token": true, "key": true, "api_key": true, "bearer": true, "bootstrap_token": true, "new_password": true, "old_password": true}
	keyLike = regexp.MustCompile(`sk_[A-Za-z0-9]+_[A-Za-z0-9_-]+`)
)

// Redact is a slog ReplaceAttr func that removes credentials.
func Redact(_ []string, a slog.Attr) slog.Attr {
	if secretKeys[strings.ToLower(a.Key)] {
		return slog.String(a.Key, Redacted)
	}
	if a.Value.Kind() == slog.KindString && strings.Contains(a.Value.String(), "sk_") {
		return slog.String(a.Key, keyLike.ReplaceAllString(a.Value.String(), Redacted))
	}
	return a
}

// NewLogger returns a JSON slog logger on w at level, with Redact applied.
// Callers add correlation ids with With("correlation_id", …).
func NewLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: Redact}))
}

// ParseLevel reads a LOG_LEVEL value (debug, info, warn, error; default info).
func ParseLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo
	}
	return l
}
