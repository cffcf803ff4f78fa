// Package awstest gives tests a real AWS-compatible endpoint. If
// AWS_ENDPOINT_URL is set (LocalStack, a shared moto, real AWS) it is used;
// otherwise the first caller in a test binary installs the pinned moto server
// into the project's .venv (scripts/venv.sh) and starts it on a free loopback
// port. The server dies with the test process, however that ends (the
// kernel's parent-death signal, and the server's own watch of its parent),
// so a package needs no TestMain. Tests never skip for lack of an endpoint:
// they fail.
package awstest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/ddb"
)

//go:embed moto_serial.py
var motoSerial string

var (
	once     sync.Once
	endpoint string
	startErr error
)

// RepoRoot is the repository root (where go.mod is).
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Endpoint returns the endpoint URL, starting moto on first use.
func Endpoint(tb testing.TB) string {
	tb.Helper()
	once.Do(func() { endpoint, startErr = start() })
	if startErr != nil {
		tb.Fatalf("awstest: no AWS-compatible endpoint: %v", startErr)
	}
	return endpoint
}

func start() (string, error) {
	if ep := os.Getenv("AWS_ENDPOINT_URL"); ep != "" {
		fmt.Fprintf(os.Stderr, "awstest: using AWS_ENDPOINT_URL=%s\n", ep)
		return ep, nil
	}
	root := RepoRoot()
	bin := filepath.Join(root, ".venv", "bin", "moto_server")
	if _, err := os.Stat(bin); err != nil {
		cmd := exec.Command("bash", filepath.Join(root, "scripts", "venv.sh"))
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("install moto into .venv: %w", err)
		}
	}
	port, err := freePort()
	if err != nil {
		return "", err
	}
	// moto_serial.py runs moto with one request at a time (see the script
	// for why: moto's transactions are not atomic across threads).
	script, err := writeScript()
	if err != nil {
		return "", err
	}
	python := filepath.Join(root, ".venv", "bin", "python")
	cmd := exec.Command(python, script, "127.0.0.1", fmt.Sprint(port))
	logf, err := os.CreateTemp("", "moto-*.log")
	if err != nil {
		return "", err
	}
	defer logf.Close()
	ep := fmt.Sprintf("http://127.0.0.1:%d", port)
	if err := launch(cmd, logf, ep); err != nil {
		return "", err
	}
	// the server keeps writing to it; the name is only needed when the
	// server fails to start
	_ = os.Remove(logf.Name())
	fmt.Fprintf(os.Stderr, "awstest: moto server started at %s (pid %d)\n", ep, cmd.Process.Pid)
	return ep, nil
}

// launch starts a moto server (cmd, its output to logf) that dies with this
// process, and waits up to 60 s until it answers at ep; on failure it kills
// it.
func launch(cmd *exec.Cmd, logf *os.File, ep string) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Stdout, cmd.Stderr = logf, logf
	// The parent-death signal fires when the OS thread that started the
	// child exits, and a Go thread may exit before its process: start it
	// from a thread held for the life of the process.
	started := make(chan error)
	go func() {
		runtime.LockOSThread()
		started <- cmd.Start()
		select {}
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("start %s: %w", filepath.Base(cmd.Path), err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(ep + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	return fmt.Errorf("%s did not answer on %s within 60s (log: %s)", filepath.Base(cmd.Path), ep, logf.Name())
}

// writeScript writes the embedded moto_serial.py once per content into the
// temporary directory (every test binary of a run shares it) and returns
// its path.
func writeScript() (string, error) {
	sum := sha256.Sum256([]byte(motoSerial))
	path := filepath.Join(os.TempDir(), "skyledger-moto_serial-"+hex.EncodeToString(sum[:6])+".py")
	if b, err := os.ReadFile(path); err == nil && string(b) == motoSerial {
		return path, nil
	}
	tmp, err := os.CreateTemp(os.TempDir(), "skyledger-moto_serial-*.py")
	if err != nil {
		return "", err
	}
	if _, err := tmp.WriteString(motoSerial); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return "", err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	return path, os.Rename(tmp.Name(), path)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Config returns an aws.Config pointed at the endpoint with static test
// credentials (unless AWS_ENDPOINT_URL came with real ones).
func Config(tb testing.TB) aws.Config {
	tb.Helper()
	ep := Endpoint(tb)
	opts := []func(*config.LoadOptions) error{config.WithRegion(region())}
	if os.Getenv("AWS_ACCESS_KEY_ID") == "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")))
	}
	cfg, err := config.LoadDefaultConfig(context.Background(), opts...)
	if err != nil {
		tb.Fatalf("awstest: load config: %v", err)
	}
	cfg.BaseEndpoint = aws.String(ep)
	return cfg
}

func region() string {
	if r := os.Getenv("AWS_REGION"); r != "" {
		return r
	}
	return "us-east-1"
}

// DynamoDB returns a DynamoDB client on the endpoint.
func DynamoDB(tb testing.TB) *dynamodb.Client { return dynamodb.NewFromConfig(Config(tb)) }

// Streams returns a DynamoDB Streams client on the endpoint.
func Streams(tb testing.TB) *dynamodbstreams.Client { return dynamodbstreams.NewFromConfig(Config(tb)) }

// Tables creates the given tables (every table in spec.Tables when none is
// named) under a fresh Prefix on the endpoint and returns the DynamoDB client
// and that prefix. It fails the test if a table cannot be created.
func Tables(tb testing.TB, tables ...spec.Table) (*dynamodb.Client, string) {
	tb.Helper()
	c := DynamoDB(tb)
	prefix := Prefix(tb)
	if err := ddb.EnsureTables(context.Background(), c, prefix, tables...); err != nil {
		tb.Fatalf("awstest: create tables under %s: %v", prefix, err)
	}
	return c, prefix
}

// Secret creates a Secrets Manager secret named Prefix+name holding value on
// the endpoint and returns the client and the secret's ARN. It fails the
// test if the secret cannot be created.
func Secret(tb testing.TB, name, value string) (*secretsmanager.Client, string) {
	tb.Helper()
	c := secretsmanager.NewFromConfig(Config(tb))
	out, err := c.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
		Name: aws.String(Prefix(tb) + name), SecretString: aws.String(value)})
	if err != nil {
		tb.Fatalf("awstest: create secret %s: %v", name, err)
	}
	return c, aws.ToString(out.ARN)
}

// Prefix returns a unique table-name prefix for one test, so tests sharing a
// server never see each other's tables.
func Prefix(tb testing.TB) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	// DynamoDB table names allow [A-Za-z0-9_.-]; subtest and benchmark
	// names carry "/", "=", "#", spaces.
	name := strings.Map(func(r rune) rune {
		if r == '_' || r == '.' || r == '-' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			return r
		}
		return '-'
	}, tb.Name())
	if len(name) > 40 {
		name = name[:40]
	}
	return "t" + hex.EncodeToString(b[:]) + "-" + name + "-"
}

// StockMoto is an unmodified moto server (the project venv's moto_server,
// started as the README's endpoint-mode section starts it), not the
// serialising wrapper Endpoint runs: its cancelled transactions replace the
// table's stream shard and leak the cancelled writes into the old one.
// Tests use it to prove the runtime survives such an emulator.
type StockMoto struct {
	tb   testing.TB
	port int
	cmd  *exec.Cmd
}

// StartStockMoto starts a stock moto server on a free loopback port; it is
// killed when the test ends.
func StartStockMoto(tb testing.TB) *StockMoto {
	tb.Helper()
	Endpoint(tb) // installs the pinned moto into .venv if needed
	port, err := freePort()
	if err != nil {
		tb.Fatalf("awstest: free port: %v", err)
	}
	m := &StockMoto{tb: tb, port: port}
	m.Start()
	tb.Cleanup(m.Kill)
	return m
}

// URL is the server's endpoint.
func (m *StockMoto) URL() string { return fmt.Sprintf("http://127.0.0.1:%d", m.port) }

// Config is an aws.Config for the server.
func (m *StockMoto) Config() aws.Config {
	c := Config(m.tb)
	c.BaseEndpoint = aws.String(m.URL())
	return c
}

// Start (re)starts the server on its port with empty state and waits until
// it answers.
func (m *StockMoto) Start() {
	m.tb.Helper()
	bin := filepath.Join(RepoRoot(), ".venv", "bin", "moto_server")
	m.cmd = exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(m.port))
	logf, err := os.CreateTemp(m.tb.TempDir(), "moto-*.log")
	if err != nil {
		m.tb.Fatalf("awstest: %v", err)
	}
	defer logf.Close()
	if err := launch(m.cmd, logf, m.URL()); err != nil {
		m.tb.Fatalf("awstest: stock %v", err)
	}
}

// Kill stops the server; its state (tables, streams) is gone.
func (m *StockMoto) Kill() {
	if m.cmd == nil || m.cmd.Process == nil {
		return
	}
	_ = m.cmd.Process.Kill()
	_ = m.cmd.Wait()
	m.cmd = nil
}
