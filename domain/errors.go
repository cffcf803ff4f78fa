// Package domain holds SkyLedger's pure business rules: aggregates, commands,
// events, roles and permissions. No AWS SDK, no I/O.
package domain

import (
	"errors"
	"fmt"
)

// Sentinel errors. The HTTP and WebSocket layers map them to status codes in
// one place (internal/httpapi.ErrorResponse).
var (
	ErrValidation         = errors.New("validation failed")       // 400
	ErrUnauthenticated    = errors.New("unauthenticated")         // 401
	ErrForbidden          = errors.New("forbidden")               // 403
	ErrNotFound           = errors.New("not found")               // 404
	ErrConflict           = errors.New("conflict")                // 409
	ErrPreconditionFailed = errors.New("precondition failed")     // 412
	ErrTooLarge           = errors.New("payload too large")       // 413
	ErrRateLimited        = errors.New("too many requests")       // 429
	ErrUnavailable        = errors.New("temporarily unavailable") // 503

	// ErrTenantSuspended refuses every request of a suspended tenant's
	// users and keys (403, code tenant_suspended).
	ErrTenantSuspended = fmt.Errorf("tenant suspended: %w", ErrForbidden)
)

// FieldError is a validation failure naming the offending field (JSON name,
// dotted for nested fields).
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Message) }

// Unwrap makes every FieldError match ErrValidation.
func (e *FieldError) Unwrap() error { return ErrValidation }

// Invalid is shorthand for a *FieldError.
func Invalid(field, format string, args ...any) error {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// RateLimitError carries how long the caller should wait.
type RateLimitError struct {
	RetryAfterSeconds int
	Reason            string
}

func (e *RateLimitError) Error() string { return "rate limited: " + e.Reason }
func (e *RateLimitError) Unwrap() error { return ErrRateLimited }
