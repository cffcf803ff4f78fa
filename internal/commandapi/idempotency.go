package commandapi

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/auth"
	"github.com/skyledger/skyledger/internal/httpapi"
)

// Idempotency-Key handling. The first response of a POST that appended
// events is stored in the same Append (RecordIdempotency), so a retry with
// the same key gets exactly that response (status, headers, body) and
// nothing is written twice. Responses can hold secrets (a new API key), so
// the stored response is sealed with AES-256-GCM under a key derived from
// the Idempotency-Key itself: only a client that knows the Idempotency-Key
// can recover it, and the Records table holds no usable secret. The record
// key is a SHA-256 over (caller, route, Idempotency-Key), so keys of
// different callers never collide. Records expire after IdempotencyTTL. A
// retry with a different body is 409.
//
// Routes that write no events (login, ws ticket) ignore Idempotency-Key:
// each call issues a fresh one-time credential.
const (
	IdempotencyTTL    = 24 * time.Hour
	MinIdempotencyKey = 8
	MaxIdempotencyKey = 128
)

// idemPrefix starts every idempotency record key.
const idemPrefix = "idem#"

type idemKey struct {
	recordKey   string
	sealKey     [32]byte
	fingerprint string
}

type idemData struct {
	Fingerprint string `json:"fingerprint"`
	Nonce       []byte `json:"nonce"`
	Sealed      []byte `json:"sealed"`
}

type storedResponse struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

func (s *Service) idempotencyKey(c *Call) (*idemKey, error) {
	k := httpapi.Header(c.Req, "Idempotency-Key")
	if k == "" {
		return nil, nil
	}
	if len(k) < MinIdempotencyKey || len(k) > MaxIdempotencyKey {
		return nil, domain.Invalid("Idempotency-Key", "must be %d to %d characters", MinIdempotencyKey, MaxIdempotencyKey)
	}
	for _, r := range k {
		if r < 0x21 || r > 0x7e {
			return nil, domain.Invalid("Idempotency-Key", "must be printable ASCII without spaces")
		}
	}
	body, err := c.Body()
	if err != nil {
		return nil, err
	}
	scope := c.Principal.UserID
	if scope == "" {
		scope = "anonymous"
	}
	scope += "\x00" + c.Req.RouteKey + "\x00" + c.Req.RawPath + "\x00" + k
	id := sha256.Sum256([]byte("skyledger/idempotency/id/v1\x00" + scope))
	fp := sha256.Sum256(body)
	return &idemKey{
		recordKey:   idemPrefix + hex.EncodeToString(id[:]),
		sealKey:     sha256.Sum256([]byte("skyledger/idempotency/seal/v1\x00" + scope)),
		fingerprint: hex.EncodeToString(fp[:]),
	}, nil
}

func (s *Service) idempotencyRecord(c *Call, resp httpapi.Response) (events.RecordOp, error) {
	plain, err := json.Marshal(storedResponse{Status: resp.StatusCode, Headers: resp.Headers, Body: resp.Body})
	if err != nil {
		return events.RecordOp{}, fmt.Errorf("idempotency: %w", err)
	}
	gcm, err := newGCM(c.idem.sealKey)
	if err != nil {
		return events.RecordOp{}, err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return events.RecordOp{}, fmt.Errorf("idempotency nonce: %w", err)
	}
	data, err := json.Marshal(idemData{Fingerprint: c.idem.fingerprint, Nonce: nonce,
		Sealed: gcm.Seal(nil, nonce, plain, []byte(c.idem.recordKey))})
	if err != nil {
		return events.RecordOp{}, fmt.Errorf("idempotency: %w", err)
	}
	exp := s.Now().Add(IdempotencyTTL)
	return events.RecordOp{Mode: events.RecordIdempotency,
		Record: events.Record{Key: c.idem.recordKey, Kind: auth.KindIdempotency, Data: data, ExpiresAt: &exp}}, nil
}

// replayIfSeen returns the stored response when the Idempotency-Key was
// used before.
func (s *Service) replayIfSeen(ctx context.Context, c *Call) (httpapi.Response, bool, error) {
	rec, err := s.d.Store.GetRecord(ctx, c.idem.recordKey)
	if errors.Is(err, events.ErrNotFound) {
		return httpapi.Response{}, false, nil
	}
	if err != nil {
		return httpapi.Response{}, false, fmt.Errorf("idempotency lookup: %w", err)
	}
	resp, err := s.replay(c, rec)
	return resp, true, err
}

func (s *Service) replay(c *Call, rec events.Record) (httpapi.Response, error) {
	var d idemData
	if err := json.Unmarshal(rec.Data, &d); err != nil {
		return httpapi.Response{}, fmt.Errorf("idempotency record: %w", err)
	}
	if !EqualConst(d.Fingerprint, c.idem.fingerprint) {
		return httpapi.Response{}, fmt.Errorf("Idempotency-Key was used with a different request body: %w", domain.ErrConflict)
	}
	gcm, err := newGCM(c.idem.sealKey)
	if err != nil {
		return httpapi.Response{}, err
	}
	plain, err := gcm.Open(nil, d.Nonce, d.Sealed, []byte(c.idem.recordKey))
	if err != nil {
		return httpapi.Response{}, fmt.Errorf("idempotency record does not open: %w", err)
	}
	var sr storedResponse
	if err := json.Unmarshal(plain, &sr); err != nil {
		return httpapi.Response{}, fmt.Errorf("idempotency record: %w", err)
	}
	if sr.Headers == nil {
		sr.Headers = map[string]string{}
	}
	sr.Headers["Idempotent-Replayed"] = "true"
	return httpapi.Response{StatusCode: sr.Status, Headers: sr.Headers, Body: sr.Body}, nil
}

func newGCM(key [32]byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, fmt.Errorf("idempotency cipher: %w", err)
	}
	return cipher.NewGCM(b)
}
