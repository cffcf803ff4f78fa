package seed

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/skyledger/skyledger/internal/envflag"
	"github.com/skyledger/skyledger/internal/localcloud"
)

// Main is `skyledger seed [flags]`: it seeds the runtime and prints the
// logins. It returns the process exit code (0 also for -h).
func Main(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("seed", flag.ContinueOnError)
	fl.SetOutput(stderr)
	dataDir := fl.String("data-dir", envflag.Default("SKYLEDGER_DATA_DIR", ".data"), "data directory of the running runtime: its runtime.json names the API URL and its bootstrap-token file bootstraps a fresh platform [SKYLEDGER_DATA_DIR]")
	api := fl.String("api", "", "API base URL (default: the api_url of <data-dir>/runtime.json, else http://$SKYLEDGER_ADDR) [SKYLEDGER_API]")
	token := fl.String("bootstrap-token", envflag.Default("SKYLEDGER_BOOTSTRAP_TOKEN", ""), "bootstrap token for a fresh platform (default: <data-dir>/bootstrap-token) [SKYLEDGER_BOOTSTRAP_TOKEN]")
	email := fl.String("admin-email", DefaultAdminEmail, "platform admin's e-mail: created on a fresh platform, else used to sign in")
	password := fl.String("admin-password", envflag.Default("SKYLEDGER_ADMIN_PASSWORD", DefaultAdminPassword), "platform admin's password [SKYLEDGER_ADMIN_PASSWORD]")
	tenant := fl.String("tenant", DefaultTenantName, "demo tenant's name")
	asJSON := fl.Bool("json", false, "print the result as JSON (logins, tenant id, API key)")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: skyledger seed [flags]\n\nFills a running SkyLedger with a demo tenant, its admin, two pilots, an API key\nand a few dozen PIREPs of the last hours across the US, then prints the logins.\n\nflags:")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(stderr, "seed: unexpected argument %q\n", fl.Arg(0))
		return 2
	}
	if *api == "" {
		*api = envflag.Default("SKYLEDGER_API", localcloud.APIURL(*dataDir))
	}
	if *token == "" {
		b, err := os.ReadFile(filepath.Join(*dataDir, "bootstrap-token"))
		switch {
		case err == nil:
			*token = strings.TrimSpace(string(b))
		case !errors.Is(err, fs.ErrNotExist):
			fmt.Fprintln(stderr, "seed:", err)
			return 1
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var progress io.Writer = stderr
	if !*asJSON {
		progress = stdout
	}
	res, err := Run(ctx, Config{API: *api, BootstrapToken: *token, AdminEmail: *email, AdminPassword: *password, TenantName: *tenant, Progress: progress})
	if err != nil {
		fmt.Fprintf(stderr, "seed: %v\n", err)
		return 1
	}
	if *asJSON {
		b, _ := json.MarshalIndent(res, "", "  ")
		fmt.Fprintln(stdout, string(b))
		return 0
	}
	Print(stdout, res)
	return 0
}

// Print writes the result for people: where to go and how to sign in.
func Print(w io.Writer, r Result) {
	fmt.Fprintf(w, "\nDemo ready: open %s/ and sign in as one of\n", strings.TrimRight(r.API, "/"))
	for _, l := range r.Logins {
		fmt.Fprintf(w, "  %-15s %-24s %s\n", l.Role, l.Email, l.Password)
	}
	if r.APIKey != "" {
		fmt.Fprintf(w, "API key of %s (shown once): %s\n", r.Logins[1].Email, r.APIKey)
	}
	fmt.Fprintf(w, "Tenant %q is %s; its PIREP channel is tenant:%s:pireps\n", r.TenantName, r.TenantID, r.TenantID)
}
