// Command skyledger runs the whole SkyLedger system locally in one process
// (`make run`): the HTTP API and the WebSocket API on SKYLEDGER_ADDR, the
// @connections management API on SKYLEDGER_MANAGEMENT_ADDR (loopback), the
// projector fed from the event store's change feed, and web/dist at /.
//
// `skyledger listen -key sk_...` is a minimal WebSocket client that prints
// every frame (see listen.go).
//
// Storage is the embedded store in SKYLEDGER_DATA_DIR unless
// AWS_ENDPOINT_URL is set (or SKYLEDGER_MODE=aws with real credentials):
// then the DynamoDB tables (created if missing, prefix
// SKYLEDGER_TABLE_PREFIX) and DynamoDB Streams are used.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/skyledger/skyledger/internal/envflag"
	"github.com/skyledger/skyledger/internal/invoke"
	"github.com/skyledger/skyledger/internal/localcloud"
	"github.com/skyledger/skyledger/internal/metrics"
	"github.com/skyledger/skyledger/internal/piimigrate"
	"github.com/skyledger/skyledger/internal/pirepcli"
	"github.com/skyledger/skyledger/internal/seed"
	"github.com/skyledger/skyledger/internal/termfg"
	"github.com/skyledger/skyledger/internal/wire"
)

func main() {
	sub := ""
	if len(os.Args) > 1 {
		sub = os.Args[1]
	}
	ctx, args := context.Background(), os.Args[min(2, len(os.Args)):]
	switch sub {
	case "seed":
		os.Exit(seed.Main(args, os.Stdout, os.Stderr))
	case "pireps":
		exitOn("skyledger", pirepcli.Run(args, os.Stdout, os.Stderr))
	case "listen":
		if err := listen(args, os.Stdout); !errors.Is(err, flag.ErrHelp) { // -h printed the flags
			exitOn("skyledger", err)
		}
	case "migrate": // skyledger migrate pii (internal/piimigrate)
		newDynamo := func(ctx context.Context) (*dynamodb.Client, error) {
			c, err := wire.AWSConfig(ctx)
			return dynamodb.NewFromConfig(c), err
		}
		exitOn("skyledger migrate", piimigrate.Main(ctx, args, os.Stdout, os.Stderr, newDynamo))
	case "invoke": // one handler, one event (internal/invoke)
		exitOn("skyledger invoke", invoke.Main(ctx, args, os.Stdout, os.Stderr))
	default:
		exitOn("skyledger", run())
	}
}

// exitOn prints err after prefix and exits 1; nil does nothing.
func exitOn(prefix string, err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, prefix+":", err)
		os.Exit(1)
	}
}

func run() error {
	var cfg wire.Config
	mode := envflag.Default("SKYLEDGER_MODE", "")
	flag.StringVar(&cfg.Addr, "addr", envflag.Default("SKYLEDGER_ADDR", "127.0.0.1:8080"), "HTTP API + WebSocket (/ws) listen address [SKYLEDGER_ADDR]")
	flag.StringVar(&cfg.ManagementAddr, "management-addr", envflag.Default("SKYLEDGER_MANAGEMENT_ADDR", "127.0.0.1:8081"), "@connections management API listen address, loopback only [SKYLEDGER_MANAGEMENT_ADDR]")
	flag.StringVar(&cfg.DataDir, "data-dir", envflag.Default("SKYLEDGER_DATA_DIR", ".data"), "data directory [SKYLEDGER_DATA_DIR]")
	flag.StringVar(&cfg.WebDir, "web-dir", envflag.Default("SKYLEDGER_WEB_DIR", "web/dist"), "built web UI served at / [SKYLEDGER_WEB_DIR]")
	flag.StringVar(&cfg.BootstrapToken, "bootstrap-token", envflag.Default("SKYLEDGER_BOOTSTRAP_TOKEN", ""), "bootstrap token (default: generated once into <data-dir>/bootstrap-token) [SKYLEDGER_BOOTSTRAP_TOKEN]")
	flag.StringVar(&mode, "mode", mode, "embedded | endpoint | aws (default: endpoint when AWS_ENDPOINT_URL is set, else embedded) [SKYLEDGER_MODE]")
	flag.StringVar(&cfg.TablePrefix, "table-prefix", envflag.Default("SKYLEDGER_TABLE_PREFIX", "skyledger-local-"), "DynamoDB table name prefix in endpoint mode [SKYLEDGER_TABLE_PREFIX]")
	idle := flag.Duration("ws-idle-timeout", durEnv("SKYLEDGER_WS_IDLE_TIMEOUT", localcloud.DefaultWSLimits().IdleTimeout), "WebSocket idle timeout [SKYLEDGER_WS_IDLE_TIMEOUT]")
	maxDur := flag.Duration("ws-max-duration", durEnv("SKYLEDGER_WS_MAX_DURATION", localcloud.DefaultWSLimits().MaxConnDuration), "WebSocket maximum connection duration [SKYLEDGER_WS_MAX_DURATION]")
	maxFrame := flag.Int64("ws-max-frame", intEnv("SKYLEDGER_WS_MAX_FRAME_BYTES", localcloud.DefaultWSLimits().MaxFrameBytes), "WebSocket maximum frame size in bytes [SKYLEDGER_WS_MAX_FRAME_BYTES]")
	transport := flag.String("management-transport", envflag.Default("SKYLEDGER_MANAGEMENT_TRANSPORT", "tcp"), "how the notifier's SDK client reaches @connections: tcp (loopback HTTP) | inprocess [SKYLEDGER_MANAGEMENT_TRANSPORT]")
	logLevel := flag.String("log-level", envflag.Default("SKYLEDGER_LOG_LEVEL", envflag.Default("LOG_LEVEL", "info")), "debug | info | warn | error [SKYLEDGER_LOG_LEVEL]")
	flag.Parse()

	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("log level %q: %w", *logLevel, err)
	}
	log := newLogger(os.Stderr, lvl)
	cfg.Log = log
	cfg.WSLimits = localcloud.DefaultWSLimits()
	cfg.WSLimits.IdleTimeout, cfg.WSLimits.MaxConnDuration, cfg.WSLimits.MaxFrameBytes = *idle, *maxDur, *maxFrame

	switch *transport {
	case "tcp":
	case "inprocess":
		cfg.InProcessManagement = true
	default:
		return fmt.Errorf("unknown management transport %q (tcp, inprocess)", *transport)
	}
	switch mode {
	case "":
		cfg.Mode = wire.DefaultMode()
	case "embedded":
		cfg.Mode = wire.ModeEmbedded
	case "endpoint", "aws":
		cfg.Mode = wire.ModeEndpoint
	default:
		return fmt.Errorf("unknown mode %q (embedded, endpoint, aws)", mode)
	}
	if st, err := os.Stat(filepath.Join(cfg.WebDir, "index.html")); err != nil || st.IsDir() {
		log.Info("no web UI to serve (run make web-build)", "web_dir", cfg.WebDir)
	}

	defer termfg.Take()() // under make, Ctrl-C stops this process alone (exit 0)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	wire.ApplyMemoryLimit()
	app, err := wire.Start(ctx, cfg)
	if err != nil {
		return err
	}
	printBanner(app)

	<-ctx.Done()
	stop()
	log.Info("shutting down: finishing in-flight invocations, closing WebSockets (1001)")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := app.Shutdown(sctx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

func printBanner(app *wire.App) {
	rt := app.RT
	where := "embedded store in " + app.Config.DataDir
	if app.Config.Mode == wire.ModeEndpoint {
		where = "DynamoDB at " + envflag.Default("AWS_ENDPOINT_URL", "AWS") + " (tables " + app.Config.TablePrefix + "*)"
	}
	fmt.Printf(`
SkyLedger is running (%s)
  HTTP API        %s/api
  WebSocket       %s   (connect with ?ticket= from POST /api/ws/ticket)
  Web UI          %s/
  @connections    %s   (loopback only)
  Dead letters    go run ./cmd/deadletter list%s
  Live frames     go run ./cmd/skyledger listen -api %s -key <sk_... key>
  Demo data       go run ./cmd/skyledger seed%s

`, where, rt.APIURL(), rt.WSURL(), rt.APIURL(), rt.ManagementURL(), dataDirFlag(app), rt.APIURL(), dataDirFlag(app))
	done, err := app.Bootstrapped(context.Background())
	switch {
	case err != nil:
		fmt.Printf("(bootstrap state unknown: %v)\n\n", err)
	case done:
		fmt.Printf("The platform is bootstrapped: sign in at %s/ or with POST %s/api/auth/login.\n\n", rt.APIURL(), rt.APIURL())
	default:
		fmt.Printf(`Bootstrap the platform (once):
  curl -sS -X POST %s/api/bootstrap -H 'Content-Type: application/json' \
    -d '{"bootstrap_token":"'"%s"'","tenant_name":"Platform","email":"admin@example.com","password":"change-me-please-123","display_name":"Admin"}'

`, rt.APIURL(), tokenExpr(app))
	}
}

// dataDirFlag is " -data-dir DIR" when the data directory is not the
// default the CLIs assume, so the printed commands work as shown.
func dataDirFlag(app *wire.App) string {
	if app.Config.DataDir == ".data" {
		return ""
	}
	return " -data-dir " + app.Config.DataDir
}

// tokenExpr is a shell expression for the bootstrap token, so the banner
// never prints the secret itself.
func tokenExpr(app *wire.App) string {
	switch {
	case os.Getenv("SKYLEDGER_BOOTSTRAP_TOKEN") != "":
		return "$SKYLEDGER_BOOTSTRAP_TOKEN"
	case app.Config.BootstrapToken != "":
		return "<the -bootstrap-token value>"
	}
	return "$(cat " + filepath.Join(app.Config.DataDir, wire.BootstrapTokenFile) + ")"
}

// newLogger is the runtime's text logger at lvl. Every handler in the
// process logs through it, so it redacts credentials as the Lambda loggers
// do (metrics.Redact): a careless log call cannot leak a key or ticket.
func newLogger(w io.Writer, lvl slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: lvl, ReplaceAttr: metrics.Redact}))
}

func durEnv(name string, def time.Duration) time.Duration {
	if v := os.Getenv(name); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			return d
		}
		fmt.Fprintf(os.Stderr, "skyledger: ignoring %s=%q (not a duration)\n", name, v)
	}
	return def
}

func intEnv(name string, def int64) int64 {
	if v := os.Getenv(name); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
		fmt.Fprintf(os.Stderr, "skyledger: ignoring %s=%q (not an integer)\n", name, v)
	}
	return def
}
