// Package notifytest is a real net/http server implementing API Gateway's
// @connections management API (POST/GET/DELETE /@connections/{id}) for
// tests and benchmarks: it answers 200, 410 (with x-amzn-ErrorType:
// GoneException, as API Gateway does) and 429 as told, and records frames.
package notifytest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"

	"github.com/skyledger/skyledger/internal/notify"
)

// Server is a loopback @connections endpoint.
type Server struct {
	URL string
	// Discard drops frame bodies (benchmarks): only counts are kept.
	Discard bool
	// Delay holds every POST this long (to make concurrency observable).
	Delay time.Duration

	mu      sync.Mutex
	frames  map[string][][]byte
	gone    map[string]bool
	script  map[string][]int // statuses answered next, in order, then 200
	deleted map[string]int
	log     []Post
	posts   atomic.Int64
	flight  atomic.Int64
	maxFly  atomic.Int64
}

// Post is one accepted frame, in the order the server accepted them.
type Post struct {
	ID   string
	Body []byte
}

// Log returns every accepted frame in acceptance order (empty when Discard).
func (s *Server) Log() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Post(nil), s.log...)
}

// MaxInFlight is the most POSTs the server was serving at once.
func (s *Server) MaxInFlight() int64 { return s.maxFly.Load() }

// New starts a server closed at the end of the test.
func New(tb testing.TB) *Server {
	s := &Server{frames: map[string][][]byte{}, gone: map[string]bool{}, script: map[string][]int{}, deleted: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /@connections/{id}", s.post)
	mux.HandleFunc("GET /@connections/{id}", s.get)
	mux.HandleFunc("DELETE /@connections/{id}", s.del)
	hs := httptest.NewServer(mux)
	tb.Cleanup(hs.Close)
	s.URL = hs.URL
	return s
}

// Client returns a management API client on the server (static test
// credentials; requests are SigV4-signed as on AWS).
func (s *Server) Client(concurrency int) *apigatewaymanagementapi.Client {
	cfg := aws.Config{Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
	return notify.NewClient(cfg, s.URL, concurrency)
}

// SetGone makes every request for id answer 410 GoneException.
func (s *Server) SetGone(id string) { s.mu.Lock(); s.gone[id] = true; s.mu.Unlock() }

// Script queues statuses (e.g. 429, 429, 500) answered to the next posts
// to id; after them posts succeed.
func (s *Server) Script(id string, statuses ...int) {
	s.mu.Lock()
	s.script[id] = append(s.script[id], statuses...)
	s.mu.Unlock()
}

// Frames returns the bodies posted to id, in arrival order.
func (s *Server) Frames(id string) [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.frames[id]...)
}

// Deleted reports how many DELETEs id received.
func (s *Server) Deleted(id string) int { s.mu.Lock(); defer s.mu.Unlock(); return s.deleted[id] }

// Posts is the number of POSTs answered (any status).
func (s *Server) Posts() int64 { return s.posts.Load() }

func writeErr(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	if typ != "" {
		w.Header().Set("x-amzn-ErrorType", typ)
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

// status decides the answer for id; s.mu held.
func (s *Server) status(id string) int {
	if s.gone[id] {
		return http.StatusGone
	}
	if q := s.script[id]; len(q) > 0 {
		s.script[id] = q[1:]
		return q[0]
	}
	return http.StatusOK
}

func answer(w http.ResponseWriter, st int) bool {
	switch st {
	case http.StatusOK:
		return true
	case http.StatusGone:
		writeErr(w, st, "GoneException", "")
	case http.StatusTooManyRequests:
		writeErr(w, st, "LimitExceededException", "Rate exceeded")
	case http.StatusForbidden:
		writeErr(w, st, "ForbiddenException", "Forbidden")
	default:
		writeErr(w, st, "", "Internal server error")
	}
	return false
}

func (s *Server) post(w http.ResponseWriter, r *http.Request) {
	s.posts.Add(1)
	n := s.flight.Add(1)
	defer s.flight.Add(-1)
	for {
		m := s.maxFly.Load()
		if n <= m || s.maxFly.CompareAndSwap(m, n) {
			break
		}
	}
	if s.Delay > 0 {
		time.Sleep(s.Delay)
	}
	id := r.PathValue("id")
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeErr(w, http.StatusBadRequest, "BadRequestException", err.Error())
		return
	}
	s.mu.Lock()
	st := s.status(id)
	if st == http.StatusOK && !s.Discard {
		s.frames[id] = append(s.frames[id], body)
		s.log = append(s.log, Post{ID: id, Body: body})
	}
	s.mu.Unlock()
	if answer(w, st) {
		w.WriteHeader(http.StatusOK)
	}
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	st := http.StatusOK
	if s.gone[r.PathValue("id")] {
		st = http.StatusGone
	}
	s.mu.Unlock()
	if answer(w, st) {
		w.Header().Set("Content-Type", "application/json")
		now := time.Now().UTC().Format(time.RFC3339)
		_ = json.NewEncoder(w).Encode(map[string]any{"connectedAt": now, "lastActiveAt": now,
			"identity": map[string]string{"sourceIp": "127.0.0.1", "userAgent": "notifytest"}})
	}
}

func (s *Server) del(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	st := http.StatusOK
	if s.gone[id] {
		st = http.StatusGone
	}
	s.deleted[id]++
	s.gone[id] = true // a deleted connection is gone afterwards
	s.mu.Unlock()
	if answer(w, st) {
		w.WriteHeader(http.StatusNoContent)
	}
}
