// Package seed fills a running SkyLedger with a demo through its public
// HTTP API (`skyledger seed`, `make seed`): a tenant, its admin, two pilots,
// an API key, and a few dozen realistic PIREPs spread over the last hours
// across the United States, so the console's map has something to show in
// the first minute. It bootstraps the platform when that was not done yet.
//
// Only the HTTP API is used (no store access), so the same command seeds
// the local runtime, a runtime in endpoint mode or a deployed stack.
package seed

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Config says where to seed and as whom.
type Config struct {
	// API is the runtime's base URL (http://127.0.0.1:8080).
	API string
	// BootstrapToken bootstraps a fresh platform ("" when already done).
	BootstrapToken string
	// AdminEmail and AdminPassword are the platform admin's login: created
	// by the bootstrap on a fresh platform, used to sign in otherwise.
	AdminEmail, AdminPassword string
	// TenantName is the demo tenant's name.
	TenantName string
	// Domain is the e-mail domain of the demo users.
	Domain string
	// Now is the clock (reports are placed before it); nil is time.Now.
	Now func() time.Time
	// HTTP is the client; nil is a client with a 30 s timeout.
	HTTP *http.Client
	// Progress, when set, gets one line per step.
	Progress io.Writer
}

// Login is a demo account.
type Login struct {
	Role     string `json:"role"`
	Name     string `json:"name"`
	Email    string `json:"email"`
	Password string `json:"password"`
}

// Result is what a seed run made.
type Result struct {
	API          string  `json:"api"`
	Bootstrapped bool    `json:"bootstrapped"`
	TenantID     string  `json:"tenant_id"`
	TenantName   string  `json:"tenant_name"`
	Logins       []Login `json:"logins"`
	// APIKey is the tenant admin's demo key (a rerun's request is an
	// idempotent replay of the first: no second key is made).
	APIKey  string `json:"api_key,omitempty"`
	Reports int    `json:"reports"`
	Urgent  int    `json:"urgent"`
}

// The demo's defaults (the command's flag defaults too).
const (
	DefaultAdminEmail    = "admin@example.com"
	DefaultAdminPassword = "change-me-please-123"
	DefaultTenantName    = "Demo Flight School"
)

// withDefaults fills the zero fields of c with the demo's defaults.
func (c Config) withDefaults() Config {
	if c.AdminEmail == "" {
		c.AdminEmail = DefaultAdminEmail
	}
	if c.AdminPassword == "" {
		c.AdminPassword = DefaultAdminPassword
	}
	if c.TenantName == "" {
		c.TenantName = DefaultTenantName
	}
	if c.Domain == "" {
		c.Domain = "demo.example"
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.HTTP == nil {
		c.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	c.API = strings.TrimRight(c.API, "/")
	return c
}

// APIError is a non-2xx answer of the API.
type APIError struct {
	Method, Path string
	Status       int
	Code         string
	Message      string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s %s: %d %s: %s", e.Method, e.Path, e.Status, e.Code, e.Message)
}

type client struct {
	c   Config
	key string
}

func (cl client) do(ctx context.Context, method, path string, body any, out any, hdr ...string) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, cl.c.API+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if cl.key != "" {
		req.Header.Set("Authorization", "Bearer "+cl.key)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := cl.c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		var eb struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		_ = json.Unmarshal(b, &eb)
		return &APIError{Method: method, Path: path, Status: resp.StatusCode, Code: eb.Error.Code, Message: eb.Error.Message}
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: decode: %w", method, path, err)
		}
	}
	return nil
}

func status(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

func (c Config) logf(format string, a ...any) {
	if c.Progress != nil {
		fmt.Fprintf(c.Progress, format+"\n", a...)
	}
}

// Run seeds the system behind cfg.API. A rerun reuses the tenant and the
// users (same Idempotency-Key, existing e-mails) and adds a fresh set of
// reports placed before the new "now".
func Run(ctx context.Context, cfg Config) (Result, error) {
	c := cfg.withDefaults()
	res := Result{API: c.API, TenantName: c.TenantName}
	anon := client{c: c}

	// 1. the platform admin: bootstrap a fresh platform, else sign in.
	admin, err := c.adminKey(ctx, anon, &res)
	if err != nil {
		return res, err
	}
	res.Logins = append(res.Logins, Login{Role: "platform_admin", Name: "Admin", Email: c.AdminEmail, Password: c.AdminPassword})

	// 2. the tenant (an Idempotency-Key derived from its name: a rerun gets the same tenant).
	var tenant struct{ ID, Name string }
	if err := admin.do(ctx, "POST", "/api/tenants", map[string]string{"name": c.TenantName}, &tenant, "Idempotency-Key", key("tenant", c.TenantName)); err != nil {
		return res, fmt.Errorf("create tenant: %w", err)
	}
	res.TenantID = tenant.ID
	c.logf("tenant      %s (%s)", c.TenantName, tenant.ID)

	// 3. its admin and two pilots (an existing e-mail is a 409: reused).
	users := []Login{
		{Role: "tenant_admin", Name: "Morgan Ops", Email: "ops@" + c.Domain, Password: "tower clearance 2026"},
		{Role: "pilot", Name: "Pat Pilot", Email: "pat@" + c.Domain, Password: "cleared for takeoff 1"},
		{Role: "pilot", Name: "Lee Pilot", Email: "lee@" + c.Domain, Password: "cleared to land 22L"},
	}
	for _, u := range users {
		err := admin.do(ctx, "POST", "/api/tenants/"+tenant.ID+"/users",
			map[string]string{"email": u.Email, "password": u.Password, "role": u.Role, "display_name": u.Name}, nil)
		switch {
		case err == nil:
			c.logf("user        %-12s %s", u.Role, u.Email)
		case status(err) == http.StatusConflict:
			c.logf("user        %-12s %s (exists)", u.Role, u.Email)
		default:
			return res, fmt.Errorf("create user %s: %w", u.Email, err)
		}
		res.Logins = append(res.Logins, u)
	}

	// 4. the tenant admin's API key (shown once).
	ops, err := c.login(ctx, anon, users[0])
	if err != nil {
		return res, err
	}
	var k struct {
		Key string `json:"key"`
	}
	if err := ops.do(ctx, "POST", "/api/apikeys", map[string]string{"name": "demo integration"}, &k, "Idempotency-Key", key("apikey", tenant.ID)); err != nil {
		return res, fmt.Errorf("create API key: %w", err)
	}
	res.APIKey = k.Key

	// 5. the reports, submitted by the pilots in turn, oldest first.
	pilots := make([]client, 0, 2)
	for _, u := range users[1:] {
		p, err := c.login(ctx, anon, u)
		if err != nil {
			return res, err
		}
		pilots = append(pilots, p)
	}
	now := c.Now().UTC()
	run := now.Format("20060102T1504")
	for i, r := range Reports(now) {
		var out struct {
			Urgent bool `json:"urgent"`
		}
		if err := pilots[i%len(pilots)].do(ctx, "POST", "/api/pireps", map[string]string{"raw": r}, &out, "Idempotency-Key", key("pirep", tenant.ID, run, r)); err != nil {
			return res, fmt.Errorf("submit %q: %w", r, err)
		}
		res.Reports++
		if out.Urgent {
			res.Urgent++
		}
	}
	c.logf("reports     %d submitted (%d urgent)", res.Reports, res.Urgent)
	return res, nil
}

func (c Config) adminKey(ctx context.Context, anon client, res *Result) (client, error) {
	if c.BootstrapToken != "" {
		var b struct {
			APIKey struct {
				Key string `json:"key"`
			} `json:"api_key"`
		}
		err := anon.do(ctx, "POST", "/api/bootstrap", map[string]string{
			"bootstrap_token": c.BootstrapToken, "tenant_name": "Platform",
			"email": c.AdminEmail, "password": c.AdminPassword, "display_name": "Admin",
		}, &b)
		switch {
		case err == nil:
			res.Bootstrapped = true
			c.logf("bootstrap   platform created, admin %s", c.AdminEmail)
			return client{c: c, key: b.APIKey.Key}, nil
		case status(err) == http.StatusConflict:
			// already bootstrapped: sign in below
		default:
			return client{}, fmt.Errorf("bootstrap: %w", err)
		}
	}
	cl, err := c.login(ctx, anon, Login{Email: c.AdminEmail, Password: c.AdminPassword})
	if err != nil {
		return client{}, fmt.Errorf("%w (the platform exists: pass the platform admin's login with -admin-email and -admin-password)", err)
	}
	return cl, nil
}

func (c Config) login(ctx context.Context, anon client, u Login) (client, error) {
	var l struct {
		Key string `json:"key"`
	}
	if err := anon.do(ctx, "POST", "/api/auth/login", map[string]string{"email": u.Email, "password": u.Password}, &l); err != nil {
		return client{}, fmt.Errorf("sign in as %s: %w", u.Email, err)
	}
	return client{c: c, key: l.Key}, nil
}

// key derives an Idempotency-Key from its parts (a rerun repeats it).
func key(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return "seed-" + hex.EncodeToString(h[:12])
}
