package pirepcli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// IdempotencyKey derives the Idempotency-Key of a report from its text
// (whitespace-normalised), so that importing a file again adds nothing
// twice (the API keeps keys for 24 hours).
func IdempotencyKey(raw string) string {
	sum := sha256.Sum256([]byte(normalizeSpace(raw)))
	return "pirep-import-" + hex.EncodeToString(sum[:16])
}

// normalizeSpace is the text submitted and hashed: two lines that differ
// only in whitespace (which the parser ignores) are the same report, and
// the API answers a reused Idempotency-Key with another body with 409.
func normalizeSpace(raw string) string { return strings.Join(strings.Fields(raw), " ") }

// importResult counts the outcome of an import.
type importResult struct {
	created, replayed, refused, failed int
}

func runImport(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("pireps import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	api := fs.String("api", os.Getenv("SKYLEDGER_API"), "API base URL, e.g. http://127.0.0.1:8080 [SKYLEDGER_API]")
	key := fs.String("key", os.Getenv("SKYLEDGER_KEY"), "API key or session key of a member allowed to submit [SKYLEDGER_KEY]")
	timeout := fs.Duration("timeout", 30*time.Second, "timeout of each request")
	// flags may follow the file name: pireps import FILE -api URL -key KEY
	var file string
	rest := args
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		file, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	}
	if file == "" || *api == "" || *key == "" {
		return errors.New("usage: skyledger pireps import FILE -api URL -key KEY")
	}
	lines, err := readLines(file)
	if err != nil {
		return err
	}
	imp := importer{api: strings.TrimRight(*api, "/"), key: *key, client: &http.Client{Timeout: *timeout}}
	var bar *progress
	if isTerminal(stdout) {
		bar = &progress{w: stdout, total: len(lines)}
	}
	var res importResult
	for i, l := range lines {
		status, msg, err := imp.submitRetrying(context.Background(), l.raw)
		switch {
		case err != nil:
			res.failed++
			bar.clear()
			fmt.Fprintf(stdout, "line %d: failed: %v\n", l.no, err)
		case status == http.StatusCreated && msg == "replayed":
			res.replayed++
		case status == http.StatusCreated:
			res.created++
		case status == http.StatusBadRequest || status == http.StatusUnprocessableEntity:
			res.refused++
			bar.clear()
			fmt.Fprintf(stdout, "line %d: refused: %s\n", l.no, msg)
		default:
			res.failed++
			bar.clear()
			fmt.Fprintf(stdout, "line %d: failed: HTTP %d: %s\n", l.no, status, msg)
			if status == http.StatusUnauthorized || status == http.StatusForbidden {
				// every other line would fail the same way
				fmt.Fprintf(stdout, "stopped: the key is not allowed to submit (HTTP %d)\n", status)
				res.failed += len(lines) - i - 1
				bar.done()
				printImportSummary(stdout, len(lines), res)
				return fmt.Errorf("import stopped: HTTP %d", status)
			}
		}
		bar.set(i + 1)
	}
	bar.done()
	printImportSummary(stdout, len(lines), res)
	if res.failed > 0 {
		return fmt.Errorf("%d reports failed", res.failed)
	}
	return nil
}

func printImportSummary(w io.Writer, n int, r importResult) {
	fmt.Fprintf(w, "%d reports: %d created, %d already imported, %d refused, %d failed\n",
		n, r.created, r.replayed, r.refused, r.failed)
}

type importer struct {
	api, key string
	client   *http.Client
}

// submitRetrying retries a rate-limited (429) or unavailable (503)
// submission a few times after the Retry-After delay; the Idempotency-Key
// makes the retry safe.
func (im importer) submitRetrying(ctx context.Context, raw string) (int, string, error) {
	for attempt := 0; ; attempt++ {
		status, msg, wait, err := im.submit(ctx, raw)
		if err != nil || (status != http.StatusTooManyRequests && status != http.StatusServiceUnavailable) || attempt == 5 {
			return status, msg, err
		}
		time.Sleep(wait)
	}
}

// submit posts one report; it returns the status and, for a refusal, the
// API's message ("replayed" for an idempotent replay of a 201).
func (im importer) submit(ctx context.Context, raw string) (int, string, time.Duration, error) {
	body, err := json.Marshal(map[string]string{"raw": normalizeSpace(raw)})
	if err != nil {
		return 0, "", 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, im.api+"/api/pireps", bytes.NewReader(body))
	if err != nil {
		return 0, "", 0, err
	}
	req.Header.Set("Authorization", "Bearer "+im.key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", IdempotencyKey(raw))
	resp, err := im.client.Do(req)
	if err != nil {
		return 0, "", 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode == http.StatusCreated {
		if resp.Header.Get("Idempotent-Replayed") == "true" {
			return resp.StatusCode, "replayed", 0, nil
		}
		return resp.StatusCode, "", 0, nil
	}
	wait := time.Second
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 && s <= 60 {
		wait = time.Duration(s) * time.Second
	}
	var e struct {
		Error struct {
			Message string `json:"message"`
			Field   string `json:"field"`
		} `json:"error"`
		Message string `json:"message"`
	}
	msg := strings.TrimSpace(string(b))
	if json.Unmarshal(b, &e) == nil {
		switch {
		case e.Error.Message != "":
			msg = e.Error.Message
		case e.Message != "":
			msg = e.Message
		}
	}
	return resp.StatusCode, msg, wait, nil
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progress is a one-line progress bar redrawn with '\r' (terminals only;
// a nil *progress draws nothing).
type progress struct {
	w     io.Writer
	total int
	shown bool
}

func (p *progress) set(n int) {
	if p == nil || p.total == 0 {
		return
	}
	const width = 30
	done := n * width / p.total
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d", strings.Repeat("#", done), strings.Repeat(".", width-done), n, p.total)
	p.shown = true
}

// clear erases the bar before a message line.
func (p *progress) clear() {
	if p == nil || !p.shown {
		return
	}
	fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", 50))
	p.shown = false
}

func (p *progress) done() {
	if p == nil || !p.shown {
		return
	}
	fmt.Fprintln(p.w)
	p.shown = false
}
