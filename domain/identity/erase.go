package identity

import (
	"encoding/json"
	"fmt"

	"github.com/skyledger/skyledger/domain"
)

// Erasure of personal data (crypto-shredding). The personal fields of the
// user events are sealed under a per-user data key (schema 2); erasing the
// user deletes that key and records user.erased, after which every reader
// shows Erased in place of those fields. Ids, times, roles and the rest of
// the history stay.

// StatusErased is the status of an erased user (after user.erased).
const StatusErased = "erased"

// Erased replaces every personal field whose key is gone.
const Erased = "[erased]"

// PersonalFields lists, per event type, the payload fields that hold
// personal data: sealed in schema 2, shown as Erased after erasure. Every
// event type of every context that carries a person's e-mail or name must
// be listed here (a test checks the identity payloads).
var PersonalFields = map[string][]string{
	UserCreated:        {"email", "display_name"},
	UserProfileUpdated: {"display_name"},
}

// ErrNotDeactivated refuses erasing a user that is not deactivated (409):
// erasure is the last step after access has been removed.
var ErrNotDeactivated = fmt.Errorf("the user must be deactivated before it is erased: %w", domain.ErrConflict)

// ErrUserErased refuses changing an erased user (409).
var ErrUserErased = fmt.Errorf("the user is erased: %w", domain.ErrConflict)

// Erase decides user.erased. The actor needs user.erase on the user (404
// outside its tenant, 403 inside without it) and must be able to grant the
// user's role (a tenant_admin cannot erase a platform_admin). Only a
// deactivated user can be erased (ErrNotDeactivated); since a deactivated
// user cannot authenticate, nobody erases itself. Erasing an erased user
// decides nothing (the caller may still finish deleting the key).
func (u User) Erase(actor domain.Principal) ([]Event, error) {
	if err := u.authorizeOn(actor, domain.ActUserErase); err != nil {
		return nil, err
	}
	switch u.Status {
	case StatusErased:
		return nil, nil
	case StatusDeactivated:
		return []Event{{Type: UserErased, Data: UserErasedData{UserID: u.ID, TenantID: u.TenantID, By: actor.UserID}}}, nil
	default:
		return nil, ErrNotDeactivated
	}
}

// Redact returns data with every personal field of typ (PersonalFields)
// that is present replaced by Erased; other fields are kept as they are.
// A type without personal fields is returned unchanged.
func Redact(typ string, data json.RawMessage) (json.RawMessage, error) {
	fields := PersonalFields[typ]
	if len(fields) == 0 {
		return data, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("redact %s: %w", typ, err)
	}
	erased, _ := json.Marshal(Erased)
	for _, f := range fields {
		if _, ok := m[f]; ok {
			m[f] = erased
		}
	}
	return json.Marshal(m)
}
