// Command bench-e2e measures the local runtime end to end (`make bench-e2e`):
//
//	(a) latency from a command's HTTP request to the event frame at a
//	    subscribed WebSocket client, p50/p99 over -n commands, next to a
//	    baseline measured in the same run: a bare loopback HTTP request
//	    answered by a WebSocket frame, with one fsync of a record of the same
//	    size in between (the floor for a durable command on this machine);
//	(b) one event fanned out to -clients subscribed clients: p99 over
//	    -events events of the time until the last client has it;
//	(c) the runtime's RSS with -clients connections open.
//
// With -abuse it runs the unauthenticated abuse scenarios instead
// (`make bench-abuse`): -logins concurrent failed logins, then -bodies
// concurrent -body-mb MB request bodies, reporting the runtime's peak RSS
// per phase against the 300 MB goal (exit status 1 when it is missed).
//
// The runtime runs in a child process (this binary with -serve, embedded
// store in a temporary directory, log level warn) so its RSS is its own.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coder/websocket"

	"github.com/skyledger/skyledger/internal/wire"
)

const token = "bt_bench_e2e"

type serveInfo struct {
	PID    int    `json:"pid"`
	APIURL string `json:"api_url"`
	WSURL  string `json:"ws_url"`
}

func main() {
	serve := flag.Bool("serve", false, "internal: run the runtime and print its URLs")
	dataDir := flag.String("data-dir", "", "internal: data directory for -serve")
	n := flag.Int("n", 2000, "commands for the latency measurement")
	clients := flag.Int("clients", 1000, "subscribed clients for fan-out and RSS")
	nev := flag.Int("events", 50, "events for the fan-out measurement")
	out := flag.String("out", "", "also write the report (markdown) to this file")
	abuse := flag.Bool("abuse", false, "run the abuse scenarios (failed logins, oversize bodies) instead")
	logins := flag.Int("logins", 500, "-abuse: concurrent failed logins")
	bodies := flag.Int("bodies", 40, "-abuse: concurrent oversize bodies")
	bodyMB := flag.Int("body-mb", 10, "-abuse: size of each oversize body (MB)")
	flag.Parse()
	raiseNoFile()
	var err error
	switch {
	case *serve:
		err = runServe(*dataDir)
	case *abuse:
		err = runAbuse(*logins, *bodies, *bodyMB, *out)
	default:
		err = runBench(*n, *clients, *nev, *out)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-e2e:", err)
		os.Exit(1)
	}
}

func raiseNoFile() {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) == nil && l.Cur < l.Max {
		l.Cur = l.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}

func runServe(dir string) error {
	if p := os.Getenv("BENCH_CPUPROFILE"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		_ = pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	lvl := slog.LevelWarn
	if os.Getenv("BENCH_LOG") != "" { // BENCH_LOG=1: one line per invocation, to see where time goes
		lvl = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))
	wire.ApplyMemoryLimit()
	app, err := wire.Start(ctx, wire.Config{Addr: "127.0.0.1:0", ManagementAddr: "127.0.0.1:0", DataDir: dir,
		BootstrapToken: token, Log: log, InProcessManagement: os.Getenv("SKYLEDGER_MANAGEMENT_TRANSPORT") == "inprocess"})
	if err != nil {
		return err
	}
	b, _ := json.Marshal(serveInfo{PID: os.Getpid(), APIURL: app.RT.APIURL(), WSURL: app.RT.WSURL()})
	fmt.Println(string(b))
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return app.Shutdown(sctx)
}

// ---------------------------------------------------------------- client ---

type client struct {
	base string
	hc   *http.Client
}

func (c *client) do(method, path, key string, body any) (int, map[string]any, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var m map[string]any
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m, nil
}

func (c *client) must(want int, method, path, key string, body any) (map[string]any, error) {
	st, m, err := c.do(method, path, key, body)
	if err != nil {
		return nil, err
	}
	if st != want {
		return nil, fmt.Errorf("%s %s: status %d, want %d: %v", method, path, st, want, m)
	}
	return m, nil
}

func str(m map[string]any, k ...string) string {
	var cur any = m
	for _, p := range k {
		mm, _ := cur.(map[string]any)
		cur = mm[p]
	}
	s, _ := cur.(string)
	return s
}

// timeCommands runs command warm+n times and returns the n latencies after
// the warm-up, each from the command's request to the frame of its stream
// reaching w (waiting up to timeout); after, when not nil, runs after each
// command with its stream.
func timeCommands(command func() (string, error), w *waiter, n, warm int, timeout time.Duration, after func(stream string)) ([]time.Duration, error) {
	lat := make([]time.Duration, 0, n)
	for i := 0; i < n+warm; i++ {
		t0 := time.Now()
		v, err := command()
		if err != nil {
			return nil, err
		}
		at, err := w.wait(v, timeout)
		if err != nil {
			return nil, err
		}
		if i >= warm {
			lat = append(lat, at.Sub(t0))
		}
		if after != nil {
			after(v)
		}
	}
	return lat, nil
}

type frameSink func(client int, stream string, at time.Time, size int)

// dial opens a socket with a Bearer key and reports apikey.created frames
// (by stream id) to sink, tagged with client, the socket's number. An
// admin's socket gets an event once per channel it reaches (user:*:apikeys
// and tenant:*:updates): the waiter counts clients, not frames.
func dial(ctx context.Context, wsURL, key string, client int, sink frameSink) (*websocket.Conn, error) {
	c, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + key}}})
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(1 << 20)
	go func() {
		for {
			_, b, err := c.Read(context.Background())
			if err != nil {
				return
			}
			at := time.Now()
			var f struct {
				Type      string `json:"type"`
				EventType string `json:"event_type"`
				StreamID  string `json:"stream_id"`
			}
			if json.Unmarshal(b, &f) == nil && f.Type == "event" && f.EventType == "apikey.created" {
				sink(client, f.StreamID, at, len(b))
			}
		}
	}()
	return c, nil
}

// waiter hands out, by stream id, the time by which want distinct clients
// had a frame of it (each client's first frame counts).
type waiter struct {
	mu      sync.Mutex
	want    int
	count   map[string]int // distinct clients
	frames  map[string]int // every frame
	seen    map[string]map[int]bool
	last    map[string]time.Time
	size    int
	arrived chan string
}

func newWaiter(want int) *waiter {
	return &waiter{want: want, count: map[string]int{}, frames: map[string]int{}, seen: map[string]map[int]bool{}, last: map[string]time.Time{},
		arrived: make(chan string, 1024)}
}

func (w *waiter) sink(client int, v string, at time.Time, size int) {
	w.mu.Lock()
	w.frames[v]++
	if w.seen[v] == nil {
		w.seen[v] = map[int]bool{}
	}
	if w.seen[v][client] {
		w.mu.Unlock()
		return
	}
	w.seen[v][client] = true
	w.count[v]++
	if at.After(w.last[v]) {
		w.last[v] = at
	}
	w.size = size
	done := w.count[v] == w.want
	w.mu.Unlock()
	if done {
		w.arrived <- v
	}
}

// settle returns once no frame of v (duplicates included) arrived for
// quiet, or after limit.
func (w *waiter) settle(v string, quiet, limit time.Duration) {
	end := time.Now().Add(limit)
	for time.Now().Before(end) {
		w.mu.Lock()
		n := w.frames[v]
		w.mu.Unlock()
		time.Sleep(quiet)
		w.mu.Lock()
		same := w.frames[v] == n
		w.mu.Unlock()
		if same {
			return
		}
	}
}

func (w *waiter) wait(v string, timeout time.Duration) (time.Time, error) {
	deadline := time.After(timeout)
	for {
		w.mu.Lock()
		if w.count[v] >= w.want {
			t := w.last[v]
			w.mu.Unlock()
			return t, nil
		}
		got := w.count[v]
		w.mu.Unlock()
		select {
		case <-w.arrived:
		case <-deadline:
			return time.Time{}, fmt.Errorf("%s: %d of %d clients got the frame within %s", v, got, w.want, timeout)
		}
	}
}

// ------------------------------------------------------------------ bench --

type result struct {
	p50, p99, max time.Duration
}

func stats(ds []time.Duration) result {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	q := func(p float64) time.Duration { return ds[min(len(ds)-1, int(p*float64(len(ds))))] }
	return result{p50: q(0.50), p99: q(0.99), max: ds[len(ds)-1]}
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 3, 64) + " ms"
}

func runBench(n, nClients, nEvents int, outPath string) error {
	dir, err := os.MkdirTemp("", "skyledger-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	self, err := os.Executable()
	if err != nil {
		return err
	}
	child := exec.Command(self, "-serve", "-data-dir", dir)
	child.Stderr = os.Stderr
	child.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, _ := child.StdoutPipe()
	if err := child.Start(); err != nil {
		return err
	}
	defer func() {
		_ = child.Process.Signal(syscall.SIGTERM)
		_ = child.Wait()
	}()
	var info serveInfo
	if err := json.NewDecoder(stdout).Decode(&info); err != nil {
		return fmt.Errorf("runtime did not start: %w", err)
	}
	fmt.Fprintf(os.Stderr, "runtime pid %d at %s\n", info.PID, info.APIURL)

	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	c := &client{base: info.APIURL, hc: hc}
	boot, err := c.must(201, "POST", "/api/bootstrap", "", map[string]any{"bootstrap_token": token, "tenant_name": "Platform",
		"email": "root@bench.example", "password": "bench-password-123", "display_name": "Root"})
	if err != nil {
		return err
	}
	root := str(boot, "api_key", "key")
	ten, err := c.must(201, "POST", "/api/tenants", root, map[string]any{"name": "Bench Air"})
	if err != nil {
		return err
	}
	tid := str(ten, "id")
	if _, err := c.must(201, "POST", "/api/tenants/"+tid+"/users", root, map[string]any{"email": "ada@bench.example",
		"password": "Blue-Heron-Cove-71", "role": "tenant_admin", "display_name": "Ada"}); err != nil {
		return err
	}
	login, err := c.must(200, "POST", "/api/auth/login", "", map[string]any{"email": "ada@bench.example", "password": "Blue-Heron-Cove-71"})
	if err != nil {
		return err
	}
	ada := str(login, "key")
	// The command: Ada creates an API key. Each is a new stream (so no
	// aggregate grows over the run) and its apikey.created event goes to
	// user:{ada}:apikeys, where every socket of Ada is auto-subscribed.
	command := func() (string, error) {
		m, err := c.must(201, "POST", "/api/apikeys", ada, map[string]any{"name": "bench"})
		if err != nil {
			return "", err
		}
		return "apikey-" + str(m, "id"), nil
	}
	ctx := context.Background()

	// (a) command -> frame latency.
	w1 := newWaiter(1)
	conn, err := dial(ctx, info.WSURL, ada, 0, w1.sink)
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	warm := min(50, n/10)
	lat, err := timeCommands(command, w1, n, warm, 10*time.Second, nil)
	if err != nil {
		return err
	}
	_ = conn.Close(websocket.StatusNormalClosure, "")
	frameSize := w1.size
	sys := stats(lat)
	base, err := baseline(n, warm, frameSize)
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}

	// (b) fan-out to nClients, (c) RSS with them open.
	rssBefore := rss(info.PID)
	wN := newWaiter(nClients)
	conns := make([]*websocket.Conn, 0, nClients)
	var dialErr atomic.Value
	var wg sync.WaitGroup
	var mu sync.Mutex
	sem := make(chan struct{}, 32)
	for i := 0; i < nClients; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			cc, err := dial(ctx, info.WSURL, ada, i, wN.sink)
			if err != nil {
				dialErr.Store(err)
				return
			}
			mu.Lock()
			conns = append(conns, cc)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if e, ok := dialErr.Load().(error); ok {
		return fmt.Errorf("open %d clients: %w", nClients, e)
	}
	time.Sleep(500 * time.Millisecond)
	// Each event is measured alone: the next command waits until this
	// one's frames stopped arriving (an admin's socket gets a second copy
	// on tenant:*:updates), so no event starts behind the tail of the
	// previous one.
	fan, err := timeCommands(command, wN, nEvents, 2, 30*time.Second, func(v string) { wN.settle(v, 100*time.Millisecond, 10*time.Second) })
	if err != nil {
		return err
	}
	rssOpen := rss(info.PID)
	for _, cc := range conns {
		_ = cc.CloseNow()
	}
	fs := stats(fan)

	report := fmt.Sprintf(`| measurement | p50 | p99 | max | goal |
| --- | --- | --- | --- | --- |
| (a) command HTTP request -> event frame at a subscribed client (%d commands) | %s | %s | %s | ratio <= 3 |
| (a) baseline: loopback HTTP -> fsync of %d B -> WebSocket frame (%d requests) | %s | %s | %s | |
| (a) ratio runtime / baseline | %.2f | %.2f | | <= 3 |
| (b) one event to %d subscribed clients, until the last has it (%d events) | %s | %s | %s | p99 <= 50 ms |

(c) runtime RSS: %s before the clients, %s with %d WebSocket connections open (goal <= 150 MB).
Machine: %s, GOMAXPROCS default, runtime log level warn, embedded store (fsync per append).
`, len(lat), ms(sys.p50), ms(sys.p99), ms(sys.max),
		frameSize, len(lat), ms(base.p50), ms(base.p99), ms(base.max),
		float64(sys.p50)/float64(base.p50), float64(sys.p99)/float64(base.p99),
		nClients, len(fan), ms(fs.p50), ms(fs.p99), ms(fs.max),
		mb(rssBefore), mb(rssOpen), len(conns), machine())
	fmt.Print(report)
	if outPath != "" {
		if err := os.WriteFile(outPath, []byte(report), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// baseline: a bare loopback HTTP server whose handler fsyncs one record of
// frameSize bytes and then sends a frame of the same size over an open
// WebSocket; the client times request -> frame.
func baseline(n, warm, frameSize int) (result, error) {
	dir, err := os.MkdirTemp("", "skyledger-baseline-")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	f, err := os.OpenFile(filepath.Join(dir, "log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return result{}, err
	}
	defer f.Close()
	rec := bytes.Repeat([]byte("x"), max(frameSize, 1))
	var mu sync.Mutex
	var sock *websocket.Conn
	ready := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		mu.Lock()
		sock = c
		mu.Unlock()
		close(ready)
		_, _, _ = c.Read(context.Background())
	})
	mux.HandleFunc("/cmd", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		defer mu.Unlock()
		if _, err := f.Write(rec); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		if err := f.Sync(); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		if err := sock.Write(r.Context(), websocket.MessageText, rec); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	srv := &http.Server{Addr: "127.0.0.1:0", Handler: mux}
	ln, err := netListen()
	if err != nil {
		return result{}, err
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	url := "http://" + ln.Addr().String()
	ctx := context.Background()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http")+"/ws", nil)
	if err != nil {
		return result{}, err
	}
	defer c.CloseNow()
	<-ready
	frames := make(chan time.Time, 1)
	go func() {
		for {
			if _, _, err := c.Read(ctx); err != nil {
				return
			}
			frames <- time.Now()
		}
	}()
	hc := &http.Client{}
	body := []byte(`{"role":"viewer"}`)
	out := make([]time.Duration, 0, n)
	for i := 0; i < n+warm; i++ {
		t0 := time.Now()
		resp, err := hc.Post(url+"/cmd", "application/json", bytes.NewReader(body))
		if err != nil {
			return result{}, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			return result{}, errors.New("baseline command failed: " + resp.Status)
		}
		at := <-frames
		if i >= warm {
			out = append(out, at.Sub(t0))
		}
	}
	return stats(out), nil
}

// rss returns a process's resident set size in bytes (Linux /proc).
func rss(pid int) int64 { return procStatusBytes(pid, "VmRSS:") }

// procStatusBytes reads a kB field of /proc/<pid>/status in bytes (-1 when
// unreadable).
func procStatusBytes(pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == field {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	return -1
}

func mb(b int64) string { return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) + " MB" }

func machine() string {
	cpus := 0
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		cpus = strings.Count(string(b), "processor\t:")
	}
	return fmt.Sprintf("linux, %d CPUs", cpus)
}

func netListen() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }
