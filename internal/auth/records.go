// Package auth owns SkyLedger's credentials: API key and session key
// format, hashing and verification, argon2id password hashing, login
// throttling, WebSocket tickets, and the layout of every auth-critical
// record in the Records table (events.Records). Other packages call these
// functions and never read credential records themselves.
//
// Record layout (key -> kind: data):
//
//	apikey#<key_id>          -> "apikey" | "session": KeyCredential (SHA-256 of the secret)
//	user#<user_id>           -> "user": UserCredential (argon2id hash, role, status, session epoch)
//	email#<sha256 of normalized email> -> "email": EmailReservation (uniqueness, PutIfAbsent; deleted on erasure)
//	emailskel#<sha256>       -> "email": EmailReservation of the e-mail's confusable skeleton (PutIfAbsent)
//	bootstrap                -> "bootstrap": the one-time bootstrap marker (PutIfAbsent)
//	counter#platform_admins  -> "counter": PlatformAdmins (lower bound of active platform admins)
//	throttle#email#<sha256>  -> "throttle": failed logins for an e-mail (expires; see LoginThrottle)
//	throttle#addr#<sha256>   -> "throttle": failed logins from a client address (expires)
//	known#<sha256 of email>  -> "known": addresses that signed in to the e-mail (expires after 30 days)
//	ticket#<sha256 hex>      -> "ticket": WebSocket ticket (expires after 60 s, taken once)
//	idem#<sha256 hex>        -> "idempotency": a POST's first response (AES-GCM sealed)
//	tenant#<tenant_id>       -> "tenant": TenantStatus (written with the tenant's status events)
package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/events"
)

// Record kinds.
const (
	KindAPIKey      = "apikey"
	KindSession     = "session"
	KindUser        = "user"
	KindEmail       = "email"
	KindBootstrap   = "bootstrap"
	KindCounter     = "counter"
	KindThrottle    = "throttle"
	KindKnown       = "known"
	KindTicket      = "ticket"
	KindIdempotency = "idempotency"
	KindTenant      = "tenant"
)

// Record keys.
const (
	BootstrapKey      = "bootstrap"
	PlatformAdminsKey = "counter#platform_admins"
)

// KeyRecordKey is the record key of an API key or session key.
func KeyRecordKey(keyID string) string { return "apikey#" + keyID }

// UserRecordKey is the record key of a user's credential.
func UserRecordKey(userID string) string { return "user#" + userID }

// EmailRecordKey is the record key of an e-mail reservation: the SHA-256
// of the normalized e-mail, so that no record key (which an append-only
// log keeps after a delete) holds the address itself.
func EmailRecordKey(email string) string { return "email#" + digest(email) }

// LegacyEmailRecordKey is the reservation key written before erasure
// existed (the normalized e-mail itself). Login still finds it; erasure
// deletes it; `skyledger migrate pii` rewrites it to EmailRecordKey.
func LegacyEmailRecordKey(email string) string { return "email#" + email }

// TenantRecordKey is the record key of a tenant's access status.
func TenantRecordKey(tenantID string) string { return "tenant#" + tenantID }

// KeyCredential is the data of an apikey#<id> record.
type KeyCredential struct {
	KeyID    string `json:"key_id"`
	OwnerID  string `json:"owner_id"`
	TenantID string `json:"tenant_id"`
	// SecretHash is the hex SHA-256 of the key's secret part.
	SecretHash string     `json:"secret_hash"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	// SessionEpoch (sessions only) must be >= the owner's current epoch.
	SessionEpoch int64 `json:"session_epoch,omitempty"`
}

// UserCredential is the data of a user#<id> record, rewritten (RecordPut)
// in every append to the user's stream, so it always matches the stream
// version that won.
type UserCredential struct {
	UserID   string `json:"user_id"`
	TenantID string `json:"tenant_id"`
	// Email is carried in memory for the reservations of a new user
	// (userOps) and never stored: personal data lives sealed in the
	// user's events only, where erasure can reach it.
	Email        string      `json:"-"`
	Role         domain.Role `json:"role"`
	Status       string      `json:"status"`
	PasswordHash string      `json:"password_hash"` // argon2id PHC string
	SessionEpoch int64       `json:"session_epoch"`
	Version      int64       `json:"version"` // user stream version this reflects
}

// EmailReservation is the data of an email#<email> record.
type EmailReservation struct {
	UserID string `json:"user_id"`
}

// PlatformAdmins is the data of the counter#platform_admins record.
type PlatformAdmins struct {
	Count int `json:"count"`
}

func record(key, kind string, v any, expires *time.Time) (events.Record, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return events.Record{}, fmt.Errorf("encode %s record: %w", kind, err)
	}
	return events.Record{Key: key, Kind: kind, Data: b, ExpiresAt: expires}, nil
}

// KeyRecord builds the apikey#<id> record for c (kind apikey or session).
// A session record expires with the session.
func KeyRecord(kind string, c KeyCredential) (events.Record, error) {
	var exp *time.Time
	if kind == KindSession {
		exp = c.ExpiresAt
	}
	return record(KeyRecordKey(c.KeyID), kind, c, exp)
}

// UserRecord builds the user#<id> record.
func UserRecord(c UserCredential) (events.Record, error) {
	return record(UserRecordKey(c.UserID), KindUser, c, nil)
}

// EmailSkeletonRecordKey is the record key reserving an e-mail's
// confusable skeleton (identity.EmailSkeleton), so look-alike addresses
// cannot be two accounts.
func EmailSkeletonRecordKey(skeleton string) string { return "emailskel#" + digest(skeleton) }

// EmailSkeletonRecord builds the emailskel#<hash> reservation.
func EmailSkeletonRecord(skeleton, userID string) (events.Record, error) {
	return record(EmailSkeletonRecordKey(skeleton), KindEmail, EmailReservation{UserID: userID}, nil)
}

// EmailRecord builds the email#<email> reservation.
func EmailRecord(email, userID string) (events.Record, error) {
	return record(EmailRecordKey(email), KindEmail, EmailReservation{UserID: userID}, nil)
}

// BootstrapRecord builds the one-time bootstrap marker.
func BootstrapRecord(tenantID, userID string, at time.Time) (events.Record, error) {
	return record(BootstrapKey, KindBootstrap, map[string]any{"tenant_id": tenantID, "user_id": userID, "at": at.UTC()}, nil)
}

// PlatformAdminsRecord builds the platform-admin counter record.
func PlatformAdminsRecord(n int) (events.Record, error) {
	return record(PlatformAdminsKey, KindCounter, PlatformAdmins{Count: n}, nil)
}

// Bootstrapped reports whether the one-time bootstrap marker exists.
func Bootstrapped(ctx context.Context, records events.Records) (bool, error) {
	_, err := records.GetRecord(ctx, BootstrapKey)
	switch {
	case errors.Is(err, events.ErrNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("bootstrap marker: %w", err)
	}
	return true, nil
}

// TenantStatus is the data of a tenant#<id> record, written in the same
// append as the tenant's status events. A tenant without one is active.
type TenantStatus struct {
	Status string `json:"status"`
}

// TenantRecord builds the tenant#<id> record.
func TenantRecord(tenantID, status string) (events.Record, error) {
	return record(TenantRecordKey(tenantID), KindTenant, TenantStatus{Status: status}, nil)
}

// TenantSuspended reports whether a tenant's access is suspended (a store
// error is returned; a missing record is an active tenant).
func TenantSuspended(ctx context.Context, records events.Records, tenantID string) (bool, error) {
	rec, err := records.GetRecord(ctx, TenantRecordKey(tenantID))
	switch {
	case errors.Is(err, events.ErrNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("tenant status %s: %w", tenantID, err)
	}
	st, err := decode[TenantStatus](rec, KindTenant)
	if err != nil {
		return false, err
	}
	return st.Status == identity.TenantSuspendedStatus, nil
}

func decode[T any](rec events.Record, kinds ...string) (T, error) {
	var v T
	ok := false
	for _, k := range kinds {
		ok = ok || rec.Kind == k
	}
	if !ok {
		return v, fmt.Errorf("record %s: kind %q, want %v", rec.Key, rec.Kind, kinds)
	}
	if err := json.Unmarshal(rec.Data, &v); err != nil {
		return v, fmt.Errorf("decode record %s: %w", rec.Key, err)
	}
	return v, nil
}

// DecodeKey decodes an apikey#<id> record.
func DecodeKey(rec events.Record) (KeyCredential, error) {
	return decode[KeyCredential](rec, KindAPIKey, KindSession)
}

// DecodeUser decodes a user#<id> record.
func DecodeUser(rec events.Record) (UserCredential, error) {
	return decode[UserCredential](rec, KindUser)
}

// DecodeEmail decodes an email#<email> record.
func DecodeEmail(rec events.Record) (EmailReservation, error) {
	return decode[EmailReservation](rec, KindEmail)
}

// DecodePlatformAdmins decodes the counter record.
func DecodePlatformAdmins(rec events.Record) (PlatformAdmins, error) {
	return decode[PlatformAdmins](rec, KindCounter)
}
