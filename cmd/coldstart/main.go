// Command coldstart measures each Lambda function's init duration (cold
// start) and warm invocation time under the AWS Lambda Runtime Interface
// Emulator (aws-lambda-rie): the real `bootstrap` of each function, built
// for the host, with the environment the deployed stack gave it (from the
// outputs `make test-integration` writes) and AWS_ENDPOINT_URL pointing at
// the emulator holding its tables. Each function gets one cold invocation
// and -n warm ones with its sample event (internal/invoke). RIE's REPORT
// lines give the durations; figures, not assertions (docs/performance.md).
//
//	COLDSTART=1 make test-integration      (runs it after the e2e suite)
//	go run ./cmd/coldstart -outputs outputs.json -dist DIR [-rie PATH] [-n 20] [-rounds 3]
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/invoke"
)

type outputs struct {
	Endpoint  string `json:"Endpoint"`
	Functions map[string]struct {
		MemorySize  int               `json:"MemorySize"`
		Environment map[string]string `json:"Environment"`
	} `json:"Functions"`
}

func main() {
	outPath := flag.String("outputs", "", "stack outputs JSON (scripts/emulator/deploy.py)")
	dist := flag.String("dist", "dist", "function zips' folder holding <function>/bootstrap built for this host")
	rie := flag.String("rie", "aws-lambda-rie", "aws-lambda-rie binary")
	n := flag.Int("n", 20, "warm invocations per cold start")
	rounds := flag.Int("rounds", 3, "cold starts per function")
	flag.Parse()
	if err := run(*outPath, *dist, *rie, *n, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "coldstart:", err)
		os.Exit(1)
	}
}

func run(outPath, dist, rie string, n, rounds int) error {
	raw, err := os.ReadFile(outPath)
	if err != nil {
		return err
	}
	var o outputs
	if err := json.Unmarshal(raw, &o); err != nil {
		return err
	}
	fmt.Printf("| function | sample event | bootstrap MB | init (cold start) ms | first invoke ms | warm invoke p50 ms | warm p90 ms |\n")
	fmt.Printf("| --- | --- | ---: | ---: | ---: | ---: | ---: |\n")
	for _, f := range spec.Functions {
		fo, ok := o.Functions[f.Name]
		if !ok {
			return fmt.Errorf("outputs have no function %s", f.Name)
		}
		ev, err := invoke.Sample(invoke.FunctionSample[f.Name])
		if err != nil {
			return err
		}
		bin := filepath.Join(dist, f.Name, "bootstrap")
		st, err := os.Stat(bin)
		if err != nil {
			return err
		}
		var inits, firsts, warms []float64
		for r := 0; r < rounds; r++ {
			res, err := measure(rie, bin, f.Name, fo.MemorySize, fo.Environment, o.Endpoint, ev, n)
			if err != nil {
				return fmt.Errorf("%s: %w", f.Name, err)
			}
			inits = append(inits, res.init)
			firsts = append(firsts, res.first)
			warms = append(warms, res.warm...)
		}
		slices.Sort(inits)
		slices.Sort(firsts)
		slices.Sort(warms)
		fmt.Printf("| %s | %s | %.1f | %.1f | %.1f | %.2f | %.2f |\n", f.Name, invoke.FunctionSample[f.Name],
			float64(st.Size())/1e6, inits[len(inits)/2], firsts[len(firsts)/2], warms[len(warms)/2], warms[len(warms)*9/10])
	}
	return nil
}

type result struct {
	init  float64   // RIE's init phase duration (INIT REPORT)
	first float64   // Duration of the cold invocation (after init)
	warm  []float64 // Duration of each warm invocation
}

var (
	// The first INIT REPORT is the init phase (process start to the
	// runtime's first /next); RIE starts it on the first invocation.
	reInit = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)
	reDur  = regexp.MustCompile(`REPORT RequestId: \S+\s+(?:Init Duration: [0-9.]+ ms\s+)?Duration: ([0-9.]+) ms`)
)

// lines collects a process's output lines.
type lines struct {
	mu  sync.Mutex
	all []string
	buf bytes.Buffer
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	for {
		i := bytes.IndexByte(l.buf.Bytes(), '\n')
		if i < 0 {
			break
		}
		l.all = append(l.all, string(l.buf.Next(i+1)))
	}
	return len(p), nil
}

// reports returns the REPORT lines seen so far.
func (l *lines) reports() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, s := range l.all {
		if reDur.MatchString(s) {
			out = append(out, s)
		}
	}
	return out
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b bytes.Buffer
	for _, s := range l.all {
		b.WriteString(s)
	}
	return b.String()
}

func measure(rie, bin, fn string, memMB int, env map[string]string, endpoint string, event []byte, n int) (result, error) {
	port, err := freePort()
	if err != nil {
		return result{}, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(rie, "--runtime-interface-emulator-address", addr, bin)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"AWS_ENDPOINT_URL=" + endpoint, "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_REGION=us-east-1",
		"AWS_LAMBDA_FUNCTION_NAME=" + fn, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + strconv.Itoa(max(memMB, 128))}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out := &lines{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return result{}, fmt.Errorf("start %s (go install it: see docs/performance.md): %w", rie, err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			return result{}, fmt.Errorf("RIE not listening on %s: %s", addr, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	url := "http://" + addr + "/2015-03-31/functions/function/invocations"
	var res result
	for i := 0; i <= n; i++ {
		if err := post(url, event); err != nil {
			return result{}, fmt.Errorf("invoke %d: %w\n%s", i, err, out)
		}
		// wait for this invocation's REPORT line.
		reps := out.reports()
		for t0 := time.Now(); len(reps) <= i; reps = out.reports() {
			if time.Since(t0) > 10*time.Second {
				return result{}, fmt.Errorf("no REPORT line for invocation %d:\n%s", i, out)
			}
			time.Sleep(2 * time.Millisecond)
		}
		rep := reps[i]
		d, _ := strconv.ParseFloat(reDur.FindStringSubmatch(rep)[1], 64)
		if i == 0 {
			m := reInit.FindStringSubmatch(out.String())
			if m == nil {
				return result{}, fmt.Errorf("cold invocation without INIT REPORT:\n%s", out)
			}
			res.init, _ = strconv.ParseFloat(m[1], 64)
			res.first = d
			continue
		}
		res.warm = append(res.warm, d)
	}
	return res, nil
}

func post(url string, event []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(event))
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(bufio.NewReader(resp.Body))
	if resp.StatusCode != 200 {
		return fmt.Errorf("status %d: %s", resp.StatusCode, body)
	}
	if resp.Header.Get("X-Amz-Function-Error") != "" && !bytes.Contains(body, []byte("Unauthorized")) {
		return errors.New("function error: " + string(body))
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
