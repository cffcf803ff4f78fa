package identityapp

import (
	"context"
	"errors"
	"fmt"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/auth"
	"github.com/skyledger/skyledger/internal/commandapi"
	"github.com/skyledger/skyledger/internal/httpapi"
)

// eraseUser erases a deactivated user's personal data (200 with the erased
// user): one append of user.erased with the credential record (no password
// hash, status erased) and the deletion of the e-mail reservations, so the
// address can be registered again; then the user's data key is deleted,
// after which every sealed personal field reads "[erased]". A failure
// between the two steps answers 503 and a retry finishes the job: erasing
// an erased user deletes the key again and answers 200. Honours If-Match;
// the body is empty or {}.
func (s *commands) eraseUser(ctx context.Context, c *commandapi.Call) (httpapi.Response, error) {
	id, err := c.PathID("id")
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := c.DecodeEmpty(); err != nil {
		return httpapi.Response{}, err
	}
	u, evs, err := s.userFor(ctx, c, id, domain.ActUserErase)
	if err != nil {
		return httpapi.Response{}, err
	}
	if s.d.PII == nil {
		return httpapi.Response{}, fmt.Errorf("erasure is not configured (no master key): %w", domain.ErrUnavailable)
	}
	decided, err := u.Erase(c.Principal)
	if err != nil {
		return httpapi.Response{}, err
	}
	after, m, err := update(c, identity.StreamUser(u.ID), u.TenantID, evs, u.Version, decided, identity.FoldUser, userResource)
	if err != nil {
		return httpapi.Response{}, err
	}
	if len(decided) > 0 {
		cred, err := s.userCred(ctx, u.ID, u.Version)
		if err != nil {
			return httpapi.Response{}, err
		}
		cred.Status, cred.PasswordHash, cred.Version = after.Status, "", after.Version
		op, err := put(auth.UserRecord(cred))
		if err != nil {
			return httpapi.Response{}, err
		}
		m.Records = append(m.Records, op)
		// u.Email is the opened address (the key still exists at this point)
		if u.Email != identity.Erased {
			keys := []string{auth.EmailRecordKey(u.Email), auth.EmailSkeletonRecordKey(identity.EmailSkeleton(u.Email))}
			// a reservation from before the migration holds the address in
			// its key: delete it only if it exists, so that the address
			// is not written into the log by the delete itself
			legacy := auth.LegacyEmailRecordKey(u.Email)
			if _, err := s.d.Store.GetRecord(ctx, legacy); err == nil {
				keys = append(keys, legacy)
			} else if !errors.Is(err, events.ErrNotFound) {
				// the store's message names the key, which holds the address
				return httpapi.Response{}, fmt.Errorf("erase: e-mail reservation: %w", auth.HideHash(err, u.Email))
			}
			for _, key := range keys {
				m.Records = append(m.Records, events.RecordOp{Mode: events.RecordDelete, Record: events.Record{Key: key, Kind: auth.KindEmail}})
			}
		}
	}
	resp, err := s.Commit(ctx, c, m)
	if err != nil {
		return resp, err
	}
	if err := s.d.PII.EraseKey(ctx, u.ID); err != nil {
		s.d.Log.ErrorContext(ctx, "erase: user.erased recorded but the data key is not deleted yet; retry the erase",
			"user_id", u.ID, "error", err.Error())
		return httpapi.Response{}, fmt.Errorf("erase: the data key is not deleted yet, retry: %w", domain.ErrUnavailable)
	}
	return resp, nil
}
