package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/coder/websocket"

	"github.com/skyledger/skyledger/internal/envflag"
	"github.com/skyledger/skyledger/internal/localcloud"
)

// listen is `skyledger listen`: a minimal WebSocket client for trying the
// system from a shell. It gets a one-time ticket with the key, connects,
// optionally subscribes to channels, and prints every frame as one line.
func listen(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("listen", flag.ContinueOnError)
	api := fs.String("api", os.Getenv("SKYLEDGER_API"), "API base URL (default: the api_url of <data-dir>/runtime.json while the runtime runs, else http://$SKYLEDGER_ADDR) [SKYLEDGER_API]")
	dataDir := fs.String("data-dir", envflag.Default("SKYLEDGER_DATA_DIR", ".data"), "data directory of the running runtime, to find its URL [SKYLEDGER_DATA_DIR]")
	key := fs.String("key", os.Getenv("SKYLEDGER_KEY"), "API key sk_... [SKYLEDGER_KEY]")
	var chans multi
	fs.Var(&chans, "channel", "also subscribe to this channel (repeatable), e.g. tenant:<id>:pireps")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *api == "" {
		*api = apiURL(*dataDir)
	}
	if *key == "" {
		return fmt.Errorf("listen: -key (or SKYLEDGER_KEY) is required")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	req, _ := http.NewRequestWithContext(ctx, "POST", strings.TrimRight(*api, "/")+"/api/ws/ticket", bytes.NewReader([]byte("{}")))
	req.Header.Set("Authorization", "Bearer "+*key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("ticket: %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	var tk struct{ Ticket, URL string }
	if err := json.Unmarshal(body, &tk); err != nil {
		return fmt.Errorf("ticket: %w", err)
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	c, _, err := websocket.Dial(dctx, tk.URL+"?ticket="+tk.Ticket, nil)
	cancel()
	if err != nil {
		// the dial error quotes the URL, ticket included: cut it out
		return fmt.Errorf("connect %s: %s", tk.URL, strings.ReplaceAll(err.Error(), tk.Ticket, "[REDACTED]"))
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 20)
	fmt.Fprintf(os.Stderr, "connected to %s (auto-subscribed to your user and tenant channels); Ctrl-C to stop\n", tk.URL)
	if len(chans) > 0 {
		b, _ := json.Marshal(map[string]any{"action": "subscribe", "id": "listen", "channels": chans})
		if err := c.Write(ctx, websocket.MessageText, b); err != nil {
			return err
		}
	}
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			if ctx.Err() != nil {
				_ = c.Close(websocket.StatusNormalClosure, "")
				return nil
			}
			return fmt.Errorf("connection closed: %w", err)
		}
		fmt.Fprintln(out, string(b))
	}
}

// apiURL is where listen finds the runtime (localcloud.APIURL).
func apiURL(dataDir string) string { return localcloud.APIURL(dataDir) }

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }
