// Package wiretest starts the local runtime (wire.Start) for tests that
// drive it over HTTP as a client would.
package wiretest

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/skyledger/skyledger/internal/wire"
)

// Start starts the local runtime in embedded mode on loopback ports with
// its data in dir, the given bootstrap token and a logger that discards.
// The runtime is shut down when tb ends; a failed start or shutdown fails
// the test.
func Start(tb testing.TB, dir, bootstrapToken string) *wire.App {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	app, err := wire.Start(ctx, wire.Config{Addr: "127.0.0.1:0", ManagementAddr: "127.0.0.1:0", DataDir: dir,
		BootstrapToken: bootstrapToken, Mode: wire.ModeEmbedded, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		tb.Fatalf("wiretest: start the local runtime: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := app.Shutdown(ctx); err != nil {
			tb.Errorf("wiretest: shut the local runtime down: %v", err)
		}
	})
	return app
}
