package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// RSSGoalMB is the abuse scenario's goal: the runtime's RSS stays under it
// through every phase (docs/performance.md).
const RSSGoalMB = 300

// startChild starts this binary with -serve in a fresh data directory.
func startChild() (serveInfo, func(), error) {
	dir, err := os.MkdirTemp("", "skyledger-bench-")
	if err != nil {
		return serveInfo{}, nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return serveInfo{}, nil, err
	}
	child := exec.Command(self, "-serve", "-data-dir", dir)
	child.Stderr = os.Stderr
	child.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, _ := child.StdoutPipe()
	if err := child.Start(); err != nil {
		return serveInfo{}, nil, err
	}
	stop := func() {
		_ = child.Process.Signal(syscall.SIGTERM)
		_ = child.Wait()
		_ = os.RemoveAll(dir)
	}
	var info serveInfo
	if err := json.NewDecoder(stdout).Decode(&info); err != nil {
		stop()
		return serveInfo{}, nil, fmt.Errorf("runtime did not start: %w", err)
	}
	return info, stop, nil
}

// peakSampler samples a process's RSS every few milliseconds.
type peakSampler struct {
	peak atomic.Int64
	stop chan struct{}
	done chan struct{}
}

func samplePeak(pid int) *peakSampler {
	p := &peakSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			if r := rss(pid); r > p.peak.Load() {
				p.peak.Store(r)
			}
			select {
			case <-p.stop:
				return
			case <-t.C:
			}
		}
	}()
	return p
}

func (p *peakSampler) end() int64 { close(p.stop); <-p.done; return p.peak.Load() }

// statusCounts counts answers by status ("reset" for a connection the
// server closed before answering).
type statusCounts struct {
	mu sync.Mutex
	m  map[string]int
}

func (s *statusCounts) add(k string) { s.mu.Lock(); s.m[k]++; s.mu.Unlock() }
func (s *statusCounts) String() string {
	keys := make([]string, 0, len(s.m))
	for k := range s.m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s × %d", k, s.m[k]))
	}
	return strings.Join(parts, ", ")
}

type phase struct {
	name     string
	peak     int64
	statuses string
	took     time.Duration
}

// burst is the phase name: n requests, request(i) each, built first and
// then sent at once through hc, each on its own goroutine, while the
// runtime pid's peak RSS is sampled. Answers are counted by status code, a
// failed request by what failed(err) calls it.
func burst(name string, pid, n int, hc *http.Client, request func(i int) *http.Request, failed func(error) string) phase {
	counts := &statusCounts{m: map[string]int{}}
	ps := samplePeak(pid)
	start := time.Now()
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := request(i)
			<-gate
			resp, err := hc.Do(req)
			if err != nil {
				counts.add(failed(err))
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			counts.add(strconv.Itoa(resp.StatusCode))
		}()
	}
	close(gate)
	wg.Wait()
	return phase{name: name, peak: ps.end(), statuses: counts.String(), took: time.Since(start)}
}

// runAbuse drives the unauthenticated abuse scenarios of docs/security.md
// against a fresh runtime and reports its peak RSS per phase.
func runAbuse(logins, bodies int, bodyMB int, outPath string) error {
	var phases []phase
	// each phase runs against a fresh runtime, so its peak is its own
	fresh := func() (serveInfo, *client, int64, func(), error) {
		info, stop, err := startChild()
		if err != nil {
			return info, nil, 0, nil, err
		}
		fmt.Fprintf(os.Stderr, "runtime pid %d at %s\n", info.PID, info.APIURL)
		c := &client{base: info.APIURL, hc: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}}
		if _, err := c.must(201, "POST", "/api/bootstrap", "", map[string]any{"bootstrap_token": token, "tenant_name": "Platform",
			"email": "root@bench.example", "password": "bench-password-123", "display_name": "Root"}); err != nil {
			stop()
			return info, nil, 0, nil, err
		}
		time.Sleep(500 * time.Millisecond)
		return info, c, rss(info.PID), stop, nil
	}
	info, c, idle, stop, err := fresh()
	if err != nil {
		return err
	}
	hwms := []int64{}

	// (1) concurrent failed logins: every request at once, each on its own
	// connection, half against the real account, half unknown e-mails.
	// the attacker connects from 127.0.0.2; the account's owner (who
	// bootstrapped from 127.0.0.1) signs in afterwards from 127.0.0.1
	attacker := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	tr := &http.Transport{MaxIdleConnsPerHost: -1, DisableKeepAlives: true, DialContext: attacker.DialContext}
	hc := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	phases = append(phases, burst(fmt.Sprintf("%d concurrent failed logins", logins), info.PID, logins, hc, func(i int) *http.Request {
		email := "root@bench.example"
		if i%2 == 1 {
			email = "nobody" + strconv.Itoa(i) + "@bench.example"
		}
		b, _ := json.Marshal(map[string]string{"email": email, "password": "wrong password " + strconv.Itoa(i)})
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, info.APIURL+"/api/auth/login", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		return req
	}, func(error) string { return "error" }))
	loginOK := signsIn(c)
	hwms = append(hwms, vmHWM(info.PID))
	stop()
	info, _, idle2, stop, err := fresh()
	if err != nil {
		return err
	}
	defer stop()
	idle = max(idle, idle2)

	// (2) concurrent oversize bodies to the login route, declared
	// (Content-Length) and chunked (no length), half each.
	payload := bytes.Repeat([]byte("x"), bodyMB<<20)
	phases = append(phases, burst(fmt.Sprintf("%d concurrent %d MB bodies", bodies, bodyMB), info.PID, bodies, hc, func(i int) *http.Request {
		var rd io.Reader = bytes.NewReader(payload)
		if i%2 == 1 {
			rd = io.MultiReader(rd) // unknown length: chunked
		}
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, info.APIURL+"/api/auth/login", rd)
		req.Header.Set("Content-Type", "application/json")
		return req
	}, func(err error) string {
		var ne interface{ Timeout() bool }
		if errors.As(err, &ne) && ne.Timeout() {
			return "timeout"
		}
		return "reset"
	}))

	hwm := max(vmHWM(info.PID), hwms[0])
	var sb strings.Builder
	fmt.Fprintf(&sb, "| phase | runtime peak RSS | answers | took |\n| --- | --- | --- | --- |\n")
	fmt.Fprintf(&sb, "| idle after bootstrap (larger of the two runtimes) | %s | | |\n", mb(idle))
	met := hwm < RSSGoalMB<<20
	for _, p := range phases {
		fmt.Fprintf(&sb, "| %s | %s | %s | %s |\n", p.name, mb(p.peak), p.statuses, p.took.Round(time.Millisecond))
		met = met && p.peak < RSSGoalMB<<20
	}
	fmt.Fprintf(&sb, "\nHighest process high-water mark (VmHWM): %s; goal < %d MB: %s. After the failed logins (from 127.0.0.2), the account's owner signs in from the address it bootstrapped from (127.0.0.1): %s. Machine: %s.\n",
		mb(hwm), RSSGoalMB, map[bool]string{true: "met", false: "NOT met"}[met], loginOK, machine())
	fmt.Print(sb.String())
	if outPath != "" {
		if err := os.WriteFile(outPath, []byte(sb.String()), 0o644); err != nil {
			return err
		}
	}
	if !met {
		return fmt.Errorf("RSS goal of %d MB not met", RSSGoalMB)
	}
	return nil
}

// vmHWM returns a process's peak resident set size (Linux /proc).
func vmHWM(pid int) int64 { return procStatusBytes(pid, "VmHWM:") }

// signsIn logs in with the right password, waiting out Retry-After (a
// delay, never a lockout), for at most three minutes.
func signsIn(c *client) string {
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		body, _ := json.Marshal(map[string]any{"email": "root@bench.example", "password": "bench-password-123"})
		resp, err := c.hc.Post(c.base+"/api/auth/login", "application/json", bytes.NewReader(body))
		if err != nil {
			return "no (" + err.Error() + ")"
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK:
			return "yes"
		case http.StatusTooManyRequests, http.StatusServiceUnavailable:
			wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			time.Sleep(time.Duration(max(wait, 1)) * time.Second)
		default:
			return "no (" + strconv.Itoa(resp.StatusCode) + ")"
		}
	}
	return "no (still delayed after three minutes)"
}
