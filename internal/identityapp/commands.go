package identityapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/auth"
	"github.com/skyledger/skyledger/internal/commandapi"
	"github.com/skyledger/skyledger/internal/httpapi"
)

// Commands binds identity's command routes (the context's commandapi
// module). Its settings (bootstrap token, WebSocket URL, password hasher,
// expiring records, socket closer) are the commands function's
// (commandapi.Deps).
func Commands(svc *commandapi.Service) []commandapi.Route {
	d := svc.Deps()
	s := &commands{Service: svc, d: d, throttle: auth.LoginThrottle{Records: d.Expiring}}
	return []commandapi.Route{
		{Route: identity.RouteBootstrap, Handler: s.bootstrap},
		{Route: identity.RouteLogin, Handler: s.login, NoIdempotency: true},
		{Route: identity.RouteChangePassword, Handler: s.changePassword},
		{Route: identity.RouteLogout, Handler: s.logout, NoIdempotency: true},
		{Route: identity.RouteCreateTenant, Handler: s.createTenant},
		{Route: identity.RoutePatchTenant, Handler: s.patchTenant},
		{Route: identity.RouteCreateUser, Handler: s.createUser},
		{Route: identity.RoutePatchUser, Handler: s.patchUser},
		// erasing an erased user finishes the job (the key deletion), so a
		// retry must run the handler, not replay an earlier answer
		{Route: identity.RouteEraseUser, Handler: s.eraseUser, NoIdempotency: true},
		{Route: identity.RouteCreateAPIKey, Handler: s.createKey},
		{Route: identity.RouteRevokeAPIKey, Handler: s.revokeKey},
		{Route: identity.RouteWSTicket, Handler: s.wsTicket, NoIdempotency: true},
	}
}

// commands serves identity's command routes on the command service (Load,
// Commit and the clock come from it).
type commands struct {
	*commandapi.Service
	d        commandapi.Deps
	throttle auth.LoginThrottle
}

// ------------------------------------------------------------- resources ---

// The HTTP resources are the read models' (views.go), so a
// command response and the GET that follows it carry the same fields.

func tenantResource(t identity.Tenant, v int64, updated time.Time) Tenant {
	return Tenant{ID: t.ID, Name: t.Name, Platform: t.Platform, Status: t.Status, CreatedAt: t.CreatedAt,
		UpdatedAt: updated.UTC(), Version: v}
}

func userResource(u identity.User, v int64, updated time.Time) User {
	return User{ID: u.ID, TenantID: u.TenantID, Email: u.Email, DisplayName: u.DisplayName,
		Role: u.Role, Status: u.Status, CreatedAt: u.CreatedAt, UpdatedAt: updated.UTC(), Version: v}
}

// keyResource is the key at version v; Key (the full secret key) is set by
// the create response alone.
func keyResource(k identity.APIKey, lastUsed *time.Time, v int64) APIKey {
	return APIKey{ID: k.ID, Name: k.Name, Prefix: identity.KeyPrefix(k.ID), OwnerID: k.OwnerID, TenantID: k.TenantID,
		CreatedAt: k.CreatedAt, ExpiresAt: k.ExpiresAt, LastUsedAt: lastUsed, RevokedAt: k.RevokedAt, Version: v}
}

// CreatedKey is the create response of a key: the resource plus, this
// once, the full secret key.
type CreatedKey struct {
	APIKey
	Key string `json:"key"`
}

// updatedAt is a resource's updated_at after a command: the request's time
// when it decided events, else the time of the last stored event.
func updatedAt(c *commandapi.Call, decided []identity.Event, evs []events.Envelope) time.Time {
	if len(decided) > 0 {
		return c.At
	}
	return lastChange(evs)
}

// lastChange is when a loaded stream last changed (its last event).
func lastChange(evs []events.Envelope) time.Time {
	if len(evs) == 0 {
		return time.Time{}
	}
	return evs[len(evs)-1].OccurredAt
}

// fold applies decided events to a state with fold, as the store will.
func fold[T any](prior []events.Envelope, version int64, evs []identity.Event, f func([]identity.Recorded) (T, error)) (T, error) {
	rec := recorded(prior)
	for i, e := range evs {
		b, err := json.Marshal(e.Data)
		if err != nil {
			var zero T
			return zero, err
		}
		rec = append(rec, identity.Recorded{Type: e.Type, Version: version + int64(i) + 1, Data: b})
	}
	return f(rec)
}

// --------------------------------------------------------------- loaders ---

// loadStream loads stream's events and folds them; a stream without events
// is ErrNotFound naming what was looked for.
func loadStream[T any](ctx context.Context, s *commands, what, stream string, fold func([]identity.Recorded) (T, error)) (T, []events.Envelope, error) {
	var zero T
	evs, v, err := s.Load(ctx, stream)
	if err != nil {
		return zero, nil, err
	}
	if v == 0 {
		return zero, nil, fmt.Errorf("%s: %w", what, domain.ErrNotFound)
	}
	agg, err := fold(recorded(evs))
	return agg, evs, err
}

func (s *commands) loadTenant(ctx context.Context, id string) (identity.Tenant, []events.Envelope, error) {
	return loadStream(ctx, s, "tenant "+id, identity.StreamTenant(id), identity.FoldTenant)
}

func (s *commands) loadUser(ctx context.Context, id string) (identity.User, []events.Envelope, error) {
	return loadStream(ctx, s, "user "+id, identity.StreamUser(id), identity.FoldUser)
}

func (s *commands) loadKey(ctx context.Context, id string) (identity.APIKey, []events.Envelope, error) {
	return loadStream(ctx, s, "api key "+id, identity.StreamAPIKey(id), identity.FoldAPIKey)
}

// userFor loads user id for a command of act: authorized first, so that
// another tenant's user is 404 before any 409 or 412, then If-Match.
func (s *commands) userFor(ctx context.Context, c *commandapi.Call, id string, act domain.Action) (identity.User, []events.Envelope, error) {
	u, evs, err := s.loadUser(ctx, id)
	if err != nil {
		return u, nil, err
	}
	if err := domain.Authorize(c.Principal, act, domain.Resource{TenantID: u.TenantID, OwnerID: u.ID}); err != nil {
		return u, nil, err
	}
	return u, evs, c.CheckIfMatch(u.Version)
}

// update folds the events decided on a loaded stream (prior, at version)
// and returns the state after them and the mutation that appends them:
// 200 with the resource at its new version.
func update[T, R any](c *commandapi.Call, stream, tenantID string, prior []events.Envelope, version int64, decided []identity.Event,
	f func([]identity.Recorded) (T, error), resource func(T, int64, time.Time) R) (T, commandapi.Mutation, error) {
	after, err := fold(prior, version, decided, f)
	if err != nil {
		return after, commandapi.Mutation{}, err
	}
	return after, commandapi.Mutation{StreamID: stream, TenantID: tenantID, Expected: version,
		Events: newEvents(decided), Status: http.StatusOK,
		Body: func(v int64) any { return resource(after, v, updatedAt(c, decided, prior)) }}, nil
}

// create is update for the events that start a stream: 201.
func create[T, R any](c *commandapi.Call, stream, tenantID string, evs []identity.Event,
	f func([]identity.Recorded) (T, error), resource func(T, int64, time.Time) R) (T, commandapi.Mutation, error) {
	created, m, err := update(c, stream, tenantID, nil, events.ExpectNew, evs, f, resource)
	m.Status = http.StatusCreated
	return created, m, err
}

// userCred reads the user's credential record and checks that it reflects
// version v of the user stream (else a concurrent append won: conflict, so
// the command is retried).
func (s *commands) userCred(ctx context.Context, id string, v int64) (auth.UserCredential, error) {
	rec, err := s.d.Store.GetRecord(ctx, auth.UserRecordKey(id))
	if err != nil {
		return auth.UserCredential{}, fmt.Errorf("user credential %s: %w", id, err)
	}
	c, err := auth.DecodeUser(rec)
	if err != nil {
		return c, err
	}
	if c.Version != v {
		return c, fmt.Errorf("user credential %s at v%d, stream at v%d: %w", id, c.Version, v, events.ErrVersionConflict)
	}
	return c, nil
}

func put(rec events.Record, err error) (events.RecordOp, error) {
	return events.RecordOp{Mode: events.RecordPut, Record: rec}, err
}

// emailTaken turns a lost e-mail reservation into a 409 naming the field.
func emailTaken(err error) error {
	var de *events.DuplicateError
	if errors.As(err, &de) && (strings.HasPrefix(de.Key, "email#") || strings.HasPrefix(de.Key, "emailskel#")) {
		return fmt.Errorf("email: already in use: %w", domain.ErrConflict)
	}
	return err
}

// ------------------------------------------------------ platform admins ---

// The last-active-platform-admin invariant spans users, so it is kept in
// one counter record (counter#platform_admins) that is a LOWER BOUND of the
// number of active platform_admins: a command that removes one decrements
// it with CompareAndPut BEFORE its append (refusing at 1) and restores it
// if the append fails; a command that adds one increments it AFTER its
// append. A crash between the two steps can only leave the counter too low,
// which refuses a legitimate demotion but can never let the last admin go.
// Bootstrap writes the counter (1) inline with the first admin.
func (s *commands) adjustPlatformAdmins(ctx context.Context, delta int) error {
	for attempt := 0; attempt < 10; attempt++ {
		var (
			n   int
			rev int64
		)
		rec, err := s.d.Store.GetRecord(ctx, auth.PlatformAdminsKey)
		switch {
		case err == nil:
			pa, derr := auth.DecodePlatformAdmins(rec)
			if derr != nil {
				return derr
			}
			n, rev = pa.Count, rec.Rev
		case !errors.Is(err, events.ErrNotFound):
			return fmt.Errorf("platform admin counter: %w", err)
		}
		if err := identity.CheckPlatformAdmins(n, delta); err != nil {
			return err
		}
		next, err := auth.PlatformAdminsRecord(n + delta)
		if err != nil {
			return err
		}
		if _, err := s.d.Store.CompareAndPut(ctx, next, rev); err == nil {
			return nil
		} else if !errors.Is(err, events.ErrVersionConflict) {
			return fmt.Errorf("platform admin counter: %w", err)
		}
	}
	return fmt.Errorf("platform admin counter: contention: %w", domain.ErrUnavailable)
}

// ------------------------------------------------------------- bootstrap ---

type bootstrapRequest struct {
	BootstrapToken string `json:"bootstrap_token"`
	TenantName     string `json:"tenant_name"`
	Email          string `json:"email"`
	Password       string `json:"password"`
	DisplayName    string `json:"display_name"`
}

const bootstrapDoneKey = "bootstrap#done"

type bootstrapMarker struct {
	TenantID string    `json:"tenant_id"`
	UserID   string    `json:"user_id"`
	At       time.Time `json:"at"`
}

// bootstrap creates the platform tenant, the first platform_admin and an
// API key (shown once), exactly once, and signs the admin in: the response
// also carries a session key (SessionTTL) for the browser. It spans three streams, so it runs as three
// appends guarded by two reservations: `bootstrap` (PutIfAbsent with the
// tenant append; records the planned ids) and `bootstrap#done` (PutIfAbsent
// with the key append). A bootstrap interrupted after the first append is
// resumed by the next call with the token; a completed one answers 409.
func (s *commands) bootstrap(ctx context.Context, c *commandapi.Call) (httpapi.Response, error) {
	var in bootstrapRequest
	if err := c.Decode(&in); err != nil {
		return httpapi.Response{}, err
	}
	if err := firstErr(commandapi.Required("bootstrap_token", in.BootstrapToken), commandapi.MaxLen("bootstrap_token", in.BootstrapToken, MaxTokenBytes),
		commandapi.MaxLen("tenant_name", in.TenantName, MaxNameBytes), commandapi.MaxLen("email", in.Email, MaxEmailBytes),
		commandapi.MaxLen("password", in.Password, MaxPasswordBytes), commandapi.MaxLen("display_name", in.DisplayName, MaxNameBytes)); err != nil {
		return httpapi.Response{}, err
	}
	if s.d.BootstrapToken == nil {
		return httpapi.Response{}, fmt.Errorf("bootstrap is disabled: %w", domain.ErrForbidden)
	}
	want, err := s.d.BootstrapToken(ctx)
	if err != nil {
		// the cause (a Secrets Manager error naming the secret's ARN) is
		// logged, not echoed: a 503's message reaches the caller
		s.d.Log.ErrorContext(ctx, "bootstrap token unavailable", "error", err.Error())
		return httpapi.Response{}, fmt.Errorf("bootstrap token unavailable: %w", domain.ErrUnavailable)
	}
	if want == "" {
		return httpapi.Response{}, fmt.Errorf("bootstrap is disabled: %w", domain.ErrForbidden)
	}
	if !commandapi.EqualConst(in.BootstrapToken, want) {
		return httpapi.Response{}, fmt.Errorf("bootstrap token: %w", domain.ErrUnauthenticated)
	}
	if _, err := s.d.Store.GetRecord(ctx, bootstrapDoneKey); err == nil {
		return httpapi.Response{}, fmt.Errorf("already bootstrapped: %w", domain.ErrConflict)
	} else if !errors.Is(err, events.ErrNotFound) {
		return httpapi.Response{}, err
	}
	email, err := identity.NormalizeEmail("email", in.Email)
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := identity.ValidatePassword("password", in.Password, email); err != nil {
		return httpapi.Response{}, err
	}
	if _, err := identity.ValidateName("display_name", in.DisplayName); err != nil {
		return httpapi.Response{}, err
	}
	now := s.Now()

	// 1. the platform tenant and the marker (or resume).
	var marker bootstrapMarker
	if rec, err := s.d.Store.GetRecord(ctx, auth.BootstrapKey); err == nil {
		if err := json.Unmarshal(rec.Data, &marker); err != nil {
			return httpapi.Response{}, fmt.Errorf("bootstrap marker: %w", err)
		}
	} else if errors.Is(err, events.ErrNotFound) {
		marker = bootstrapMarker{TenantID: auth.NewID(), UserID: auth.NewID(), At: now}
		tevs, err := identity.CreateTenant(marker.TenantID, in.TenantName, true, domain.SystemActor, now)
		if err != nil {
			return httpapi.Response{}, domain.Invalid("tenant_name", "%s", strings.TrimPrefix(err.Error(), "name: "))
		}
		mrec, err := auth.BootstrapRecord(marker.TenantID, marker.UserID, now)
		if err != nil {
			return httpapi.Response{}, err
		}
		_, err = s.Commit(ctx, c, commandapi.Mutation{StreamID: identity.StreamTenant(marker.TenantID), TenantID: marker.TenantID,
			Expected: events.ExpectNew, Events: newEvents(tevs), NoIdempotency: true, Status: http.StatusCreated,
			Records: []events.RecordOp{{Mode: events.RecordPutIfAbsent, Record: mrec}}})
		if errors.Is(err, events.ErrDuplicate) {
			return httpapi.Response{}, fmt.Errorf("bootstrap already in progress: %w", domain.ErrConflict)
		}
		if err != nil {
			return httpapi.Response{}, err
		}
	} else {
		return httpapi.Response{}, err
	}
	tenant, tevs, err := s.loadTenant(ctx, marker.TenantID)
	if err != nil {
		return httpapi.Response{}, err
	}

	// 2. the first platform_admin (unless a previous attempt made it).
	user, userEvs, err := s.loadUser(ctx, marker.UserID)
	if errors.Is(err, domain.ErrNotFound) {
		uevs, err := identity.CreateFirstAdmin(tenant, identity.NewUser{ID: marker.UserID, Email: email, DisplayName: in.DisplayName}, now)
		if err != nil {
			return httpapi.Response{}, err
		}
		hash, err := s.d.Hasher.Hash(in.Password)
		if err != nil {
			return httpapi.Response{}, err
		}
		cred := auth.UserCredential{UserID: marker.UserID, TenantID: tenant.ID, Email: email, Role: domain.RolePlatformAdmin,
			Status: identity.StatusActive, PasswordHash: hash, Version: 1}
		ops, err := userOps(cred, true)
		if err != nil {
			return httpapi.Response{}, err
		}
		counter, err := put(auth.PlatformAdminsRecord(1))
		if err != nil {
			return httpapi.Response{}, err
		}
		_, err = s.Commit(ctx, c, commandapi.Mutation{StreamID: identity.StreamUser(marker.UserID), TenantID: tenant.ID,
			Expected: events.ExpectNew, Events: newEvents(uevs), NoIdempotency: true, Status: http.StatusCreated,
			Records: append(ops, counter)})
		if err != nil && !errors.Is(err, events.ErrVersionConflict) {
			return httpapi.Response{}, emailTaken(err)
		}
		if user, userEvs, err = s.loadUser(ctx, marker.UserID); err != nil {
			return httpapi.Response{}, err
		}
	} else if err != nil {
		return httpapi.Response{}, err
	}

	// 3. the first key, and the done marker.
	owner := domain.Principal{UserID: user.ID, TenantID: user.TenantID, Role: user.Role}
	keyID, secret, full, err := auth.NewKey()
	if err != nil {
		return httpapi.Response{}, err
	}
	kevs, err := identity.CreateAPIKey(keyID, user, owner, "bootstrap", nil, now)
	if err != nil {
		return httpapi.Response{}, err
	}
	krec, err := auth.KeyRecord(auth.KindAPIKey, auth.KeyCredential{KeyID: keyID, OwnerID: user.ID, TenantID: user.TenantID, SecretHash: auth.HashSecret(secret)})
	if err != nil {
		return httpapi.Response{}, err
	}
	done, err := auth.BootstrapRecord(tenant.ID, user.ID, now)
	if err != nil {
		return httpapi.Response{}, err
	}
	done.Key = bootstrapDoneKey
	key, err := fold(nil, 0, kevs, identity.FoldAPIKey)
	if err != nil {
		return httpapi.Response{}, err
	}
	c.Principal = owner // the key's events are caused by the bootstrap, actor is the new admin
	// a browser signs in with an expiring session, not with the API key
	ucred, err := s.userCred(ctx, user.ID, user.Version)
	if err != nil {
		return httpapi.Response{}, err
	}
	sessKey, sessExp, err := auth.IssueSession(ctx, s.d.Store, ucred, now)
	if err != nil {
		return httpapi.Response{}, err
	}
	// the bootstrapping address is the admin's first known address
	if err := s.throttle.Success(ctx, email, c.Req.RequestContext.HTTP.SourceIP, now); err != nil {
		s.d.Log.WarnContext(ctx, "bootstrap: remembering the address", "error", err.Error())
	}
	resp, err := s.Commit(ctx, c, commandapi.Mutation{StreamID: identity.StreamAPIKey(keyID), TenantID: tenant.ID,
		Expected: events.ExpectNew, Events: newEvents(kevs), Status: http.StatusCreated,
		Records:      []events.RecordOp{{Mode: events.RecordPut, Record: krec}, {Mode: events.RecordPutIfAbsent, Record: done}},
		ExtraHeaders: map[string]string{"Cache-Control": "no-store"},
		Body: func(v int64) any {
			return map[string]any{
				"tenant":  tenantResource(tenant, tenant.Version, lastChange(tevs)),
				"user":    userResource(user, user.Version, lastChange(userEvs)),
				"api_key": CreatedKey{keyResource(key, nil, v), full},
				"session": map[string]any{"key": sessKey, "expires_at": sessExp},
			}
		}})
	if errors.Is(err, events.ErrDuplicate) {
		return httpapi.Response{}, fmt.Errorf("already bootstrapped: %w", domain.ErrConflict)
	}
	return resp, err
}

// userOps are the inline records of a user append: the credential (Put)
// and, for a new user, the reservations of the e-mail and of its
// confusable skeleton (PutIfAbsent both).
func userOps(cred auth.UserCredential, reserveEmail bool) ([]events.RecordOp, error) {
	ops := []events.RecordOp{}
	op, err := put(auth.UserRecord(cred))
	if err != nil {
		return nil, err
	}
	ops = append(ops, op)
	if reserveEmail {
		rec, err := auth.EmailRecord(cred.Email, cred.UserID)
		if err != nil {
			return nil, err
		}
		skel, err := auth.EmailSkeletonRecord(identity.EmailSkeleton(cred.Email), cred.UserID)
		if err != nil {
			return nil, err
		}
		ops = append(ops, events.RecordOp{Mode: events.RecordPutIfAbsent, Record: rec},
			events.RecordOp{Mode: events.RecordPutIfAbsent, Record: skel})
	}
	return ops, nil
}

// ----------------------------------------------------------------- login ---

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// login exchanges e-mail and password for a session key (SessionTTL). An
// unknown e-mail, a wrong password and a deactivated user all answer the
// same 401 after the same argon2id work. Failures delay later attempts per
// e-mail and per client address (auth.LoginThrottle: 429 with Retry-After,
// never a lockout).
func (s *commands) login(ctx context.Context, c *commandapi.Call) (httpapi.Response, error) {
	var in loginRequest
	if err := c.Decode(&in); err != nil {
		return httpapi.Response{}, err
	}
	if err := firstErr(commandapi.MaxLen("email", in.Email, MaxEmailBytes), commandapi.MaxLen("password", in.Password, MaxPasswordBytes),
		commandapi.Required("password", in.Password)); err != nil {
		return httpapi.Response{}, err
	}
	email, err := identity.NormalizeEmail("email", in.Email)
	if err != nil {
		return httpapi.Response{}, err
	}
	cred, err := s.checkPassword(ctx, c, email, in.Password)
	if err != nil {
		return httpapi.Response{}, err
	}
	return s.session(ctx, c, cred)
}

// checkPassword verifies email's password under the login throttle and
// returns the active user's credential; any failure is the same 401.
func (s *commands) checkPassword(ctx context.Context, c *commandapi.Call, email, password string) (auth.UserCredential, error) {
	now := s.Now()
	addr := c.Req.RequestContext.HTTP.SourceIP
	if err := s.throttle.Check(ctx, email, addr, now); err != nil {
		return auth.UserCredential{}, err
	}
	fail := func(reason string) (auth.UserCredential, error) {
		if err := s.throttle.Failure(ctx, email, addr, now); err != nil {
			s.d.Log.WarnContext(ctx, "login: recording failure", "error", err.Error())
		}
		return auth.UserCredential{}, fmt.Errorf("login: %s: %w", reason, domain.ErrUnauthenticated)
	}
	var cred auth.UserCredential
	found := false
	rec, err := s.d.Store.GetRecord(ctx, auth.EmailRecordKey(email))
	if errors.Is(err, events.ErrNotFound) { // a reservation written before the migration
		rec, err = s.d.Store.GetRecord(ctx, auth.LegacyEmailRecordKey(email))
		err = auth.HideHash(err, email) // its key holds the address: keep it out of messages
	}
	if err == nil {
		res, derr := auth.DecodeEmail(rec)
		if derr != nil {
			return cred, auth.HideHash(derr, email)
		}
		urec, err := s.d.Store.GetRecord(ctx, auth.UserRecordKey(res.UserID))
		if err != nil && !errors.Is(err, events.ErrNotFound) {
			return cred, err
		}
		if err == nil {
			if cred, err = auth.DecodeUser(urec); err != nil {
				return cred, err
			}
			found = true
		}
	} else if !errors.Is(err, events.ErrNotFound) {
		return cred, err
	}
	if !found {
		if err := s.d.Hasher.VerifyDummy(password); err != nil {
			return cred, err
		}
		return fail("unknown e-mail")
	}
	ok, err := s.d.Hasher.Verify(password, cred.PasswordHash)
	if err != nil {
		return auth.UserCredential{}, err
	}
	if !ok {
		return fail("wrong password")
	}
	if cred.Status != identity.StatusActive {
		return fail("deactivated")
	}
	// The right password of a suspended tenant's user: say why, no session.
	if suspended, err := auth.TenantSuspended(ctx, s.d.Store, cred.TenantID); err != nil || suspended {
		if err == nil {
			err = domain.ErrTenantSuspended
		}
		return auth.UserCredential{}, err
	}
	if err := s.throttle.Success(ctx, email, addr, now); err != nil {
		s.d.Log.WarnContext(ctx, "login: clearing failures", "error", err.Error())
	}
	return cred, nil
}

// session issues a session key for cred: 200 {"key","expires_at","user"}.
func (s *commands) session(ctx context.Context, c *commandapi.Call, cred auth.UserCredential) (httpapi.Response, error) {
	user, uevs, err := s.loadUser(ctx, cred.UserID)
	if err != nil {
		return httpapi.Response{}, err
	}
	key, exp, err := auth.IssueSession(ctx, s.d.Store, cred, s.Now())
	if err != nil {
		return httpapi.Response{}, err
	}
	resp := httpapi.JSON(http.StatusOK, map[string]any{"key": key, "expires_at": exp, "user": userResource(user, user.Version, lastChange(uevs))})
	resp.Headers["Cache-Control"] = "no-store"
	return resp, nil
}

// ---------------------------------------------------------------- logout ---

// logout signs the caller out (204): the session key used for the call
// stops working on the next request and the WebSockets opened with it are
// closed. An API key is not a session: 400 naming Authorization (revoke it
// with DELETE /api/apikeys/{id}). The body is empty or {}.
func (s *commands) logout(ctx context.Context, c *commandapi.Call) (httpapi.Response, error) {
	if err := c.DecodeEmpty(); err != nil {
		return httpapi.Response{}, err
	}
	rec, err := s.d.Store.GetRecord(ctx, auth.KeyRecordKey(c.Principal.KeyID))
	if errors.Is(err, events.ErrNotFound) {
		return httpapi.Response{}, fmt.Errorf("session already ended: %w", domain.ErrUnauthenticated)
	}
	if err != nil {
		return httpapi.Response{}, fmt.Errorf("session: %w", err)
	}
	if rec.Kind != auth.KindSession {
		return httpapi.Response{}, domain.Invalid("Authorization", "an API key is not a session; revoke it with DELETE /api/apikeys/{id}")
	}
	if _, err := s.d.Store.TakeRecord(ctx, rec.Key); err != nil && !errors.Is(err, events.ErrNotFound) {
		return httpapi.Response{}, fmt.Errorf("end session: %w", err)
	}
	if s.d.Sockets != nil {
		if _, err := s.d.Sockets.CloseByKey(ctx, c.Principal.KeyID); err != nil {
			// the key no longer authenticates; a socket left open closes
			// at its idle or maximum duration
			s.d.Log.WarnContext(ctx, "logout: closing sockets", "key_id", c.Principal.KeyID, "error", err.Error())
		}
	}
	return httpapi.Response{StatusCode: http.StatusNoContent, Headers: map[string]string{"Cache-Control": "no-store"}}, nil
}

// -------------------------------------------------------------- password ---

type passwordRequest struct {
	OldPassword string `json:"old_password"`
	NewPassword string `json:"new_password"`
}

// changePassword changes the caller's own password (204). A wrong old
// password is a 400 on old_password and counts as a failed login. Every
// other session key of the user stops working (session epoch bump); the
// session used for the change, if any, is carried over; API keys are not
// affected.
func (s *commands) changePassword(ctx context.Context, c *commandapi.Call) (httpapi.Response, error) {
	var in passwordRequest
	if err := c.Decode(&in); err != nil {
		return httpapi.Response{}, err
	}
	if err := firstErr(commandapi.Required("old_password", in.OldPassword), commandapi.MaxLen("old_password", in.OldPassword, MaxPasswordBytes),
		commandapi.Required("new_password", in.NewPassword), commandapi.MaxLen("new_password", in.NewPassword, MaxPasswordBytes)); err != nil {
		return httpapi.Response{}, err
	}
	u, evs, err := s.loadUser(ctx, c.Principal.UserID)
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := c.CheckIfMatch(u.Version); err != nil {
		return httpapi.Response{}, err
	}
	decided, err := u.ChangePassword(c.Principal, in.NewPassword)
	if err != nil {
		return httpapi.Response{}, err
	}
	cred, err := s.userCred(ctx, u.ID, u.Version)
	if err != nil {
		return httpapi.Response{}, err
	}
	now := s.Now()
	addr := c.Req.RequestContext.HTTP.SourceIP
	if err := s.throttle.Check(ctx, u.Email, addr, now); err != nil {
		return httpapi.Response{}, err
	}
	ok, err := s.d.Hasher.Verify(in.OldPassword, cred.PasswordHash)
	if err != nil {
		return httpapi.Response{}, err
	}
	if !ok {
		if err := s.throttle.Failure(ctx, u.Email, addr, now); err != nil {
			s.d.Log.WarnContext(ctx, "password: recording failure", "error", err.Error())
		}
		return httpapi.Response{}, domain.Invalid("old_password", "does not match the current password")
	}
	after, err := fold(evs, u.Version, decided, identity.FoldUser)
	if err != nil {
		return httpapi.Response{}, err
	}
	if cred.PasswordHash, err = s.d.Hasher.Hash(in.NewPassword); err != nil {
		return httpapi.Response{}, err
	}
	cred.SessionEpoch, cred.Version = after.SessionEpoch(), after.Version
	ops, err := userOps(cred, false)
	if err != nil {
		return httpapi.Response{}, err
	}
	// keep the caller's own session alive
	if krec, err := s.d.Store.GetRecord(ctx, auth.KeyRecordKey(c.Principal.KeyID)); err == nil && krec.Kind == auth.KindSession {
		kc, err := auth.DecodeKey(krec)
		if err != nil {
			return httpapi.Response{}, err
		}
		kc.SessionEpoch = cred.SessionEpoch
		op, err := put(auth.KeyRecord(auth.KindSession, kc))
		if err != nil {
			return httpapi.Response{}, err
		}
		ops = append(ops, op)
	}
	return s.Commit(ctx, c, commandapi.Mutation{StreamID: identity.StreamUser(u.ID), TenantID: u.TenantID, Expected: u.Version,
		Events: newEvents(decided), Records: ops, Status: http.StatusNoContent})
}

// --------------------------------------------------------------- tenants ---

type tenantRequest struct {
	Name string `json:"name"`
}

func (s *commands) createTenant(ctx context.Context, c *commandapi.Call) (httpapi.Response, error) {
	if err := domain.Authorize(c.Principal, domain.ActTenantCreate, domain.Resource{TenantID: c.Principal.TenantID}); err != nil {
		return httpapi.Response{}, err
	}
	var in tenantRequest
	if err := c.Decode(&in); err != nil {
		return httpapi.Response{}, err
	}
	if err := commandapi.MaxLen("name", in.Name, MaxNameBytes); err != nil {
		return httpapi.Response{}, err
	}
	id := auth.NewID()
	evs, err := identity.CreateTenant(id, in.Name, false, c.Actor(), s.Now())
	if err != nil {
		return httpapi.Response{}, err
	}
	_, m, err := create(c, identity.StreamTenant(id), id, evs, identity.FoldTenant, tenantResource)
	if err != nil {
		return httpapi.Response{}, err
	}
	return s.Commit(ctx, c, m)
}

type patchTenantRequest struct {
	Name   *string `json:"name"`
	Status *string `json:"status"`
}

// patchTenant renames, suspends or reactivates a tenant (platform_admin;
// If-Match honoured). A status change writes the tenant#<id> status record
// in the same append, so the next request of the tenant's principals is
// refused (or allowed again) at once.
func (s *commands) patchTenant(ctx context.Context, c *commandapi.Call) (httpapi.Response, error) {
	id, err := c.PathID("id")
	if err != nil {
		return httpapi.Response{}, err
	}
	var in patchTenantRequest
	if err := c.Decode(&in); err != nil {
		return httpapi.Response{}, err
	}
	if in.Name == nil && in.Status == nil {
		return httpapi.Response{}, domain.Invalid("body", "name or status is required")
	}
	if in.Name != nil {
		if err := commandapi.MaxLen("name", *in.Name, MaxNameBytes); err != nil {
			return httpapi.Response{}, err
		}
	}
	t, evs, err := s.loadTenant(ctx, id)
	if err != nil {
		return httpapi.Response{}, err
	}
	// another tenant's id is 404 for everyone but a platform_admin
	if err := domain.Authorize(c.Principal, domain.ActTenantRead, domain.Resource{TenantID: t.ID}); err != nil {
		return httpapi.Response{}, err
	}
	if err := c.CheckIfMatch(t.Version); err != nil {
		return httpapi.Response{}, err
	}
	decided, err := t.Update(c.Principal, in.Name, in.Status)
	if err != nil {
		return httpapi.Response{}, err
	}
	after, m, err := update(c, identity.StreamTenant(t.ID), t.ID, evs, t.Version, decided, identity.FoldTenant, tenantResource)
	if err != nil {
		return httpapi.Response{}, err
	}
	if after.Status != t.Status {
		op, err := put(auth.TenantRecord(t.ID, after.Status))
		if err != nil {
			return httpapi.Response{}, err
		}
		m.Records = append(m.Records, op)
	}
	return s.Commit(ctx, c, m)
}

// ----------------------------------------------------------------- users ---

type userRequest struct {
	Email       string `json:"email"`
	Password    string `json:"password"`
	Role        string `json:"role"`
	DisplayName string `json:"display_name"`
}

func (s *commands) createUser(ctx context.Context, c *commandapi.Call) (httpapi.Response, error) {
	tid, err := c.PathID("id")
	if err != nil {
		return httpapi.Response{}, err
	}
	var in userRequest
	if err := c.Decode(&in); err != nil {
		return httpapi.Response{}, err
	}
	if err := firstErr(commandapi.MaxLen("email", in.Email, MaxEmailBytes), commandapi.MaxLen("password", in.Password, MaxPasswordBytes),
		commandapi.MaxLen("role", in.Role, 32), commandapi.MaxLen("display_name", in.DisplayName, MaxNameBytes), commandapi.Required("role", in.Role)); err != nil {
		return httpapi.Response{}, err
	}
	t, _, err := s.loadTenant(ctx, tid)
	if err != nil {
		return httpapi.Response{}, err
	}
	id := auth.NewID()
	evs, err := identity.CreateUser(t, c.Principal, identity.NewUser{ID: id, Email: in.Email, DisplayName: in.DisplayName,
		Role: domain.Role(in.Role)}, s.Now())
	if err != nil {
		return httpapi.Response{}, err
	}
	u, m, err := create(c, identity.StreamUser(id), t.ID, evs, identity.FoldUser, userResource)
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := identity.ValidatePassword("password", in.Password, u.Email); err != nil {
		return httpapi.Response{}, err
	}
	hash, err := s.d.Hasher.Hash(in.Password)
	if err != nil {
		return httpapi.Response{}, err
	}
	if m.Records, err = userOps(auth.UserCredential{UserID: id, TenantID: t.ID, Email: u.Email, Role: u.Role, Status: u.Status,
		PasswordHash: hash, Version: 1}, true); err != nil {
		return httpapi.Response{}, err
	}
	resp, err := s.Commit(ctx, c, m)
	if err != nil {
		return resp, emailTaken(err)
	}
	if u.CountsAsPlatformAdmin() {
		if err := s.adjustPlatformAdmins(ctx, +1); err != nil {
			s.d.Log.WarnContext(ctx, "platform admin counter not incremented (stays a lower bound)", "error", err.Error())
		}
	}
	return resp, nil
}

type patchUserRequest struct {
	Role   *string `json:"role"`
	Status *string `json:"status"`
}

// patchUser changes a user's role and/or status (deactivate, reactivate),
// honouring If-Match. Deactivation stops the user's keys and sessions on
// the next request (credential record written in the same append).
func (s *commands) patchUser(ctx context.Context, c *commandapi.Call) (httpapi.Response, error) {
	id, err := c.PathID("id")
	if err != nil {
		return httpapi.Response{}, err
	}
	var in patchUserRequest
	if err := c.Decode(&in); err != nil {
		return httpapi.Response{}, err
	}
	if in.Role == nil && in.Status == nil {
		return httpapi.Response{}, domain.Invalid("body", "role or status is required")
	}
	if in.Role != nil {
		if err := commandapi.MaxLen("role", *in.Role, 32); err != nil {
			return httpapi.Response{}, err
		}
	}
	if in.Status != nil {
		if err := commandapi.MaxLen("status", *in.Status, 32); err != nil {
			return httpapi.Response{}, err
		}
	}
	u, evs, err := s.userFor(ctx, c, id, domain.ActUserUpdate)
	if err != nil {
		return httpapi.Response{}, err
	}
	var decided []identity.Event
	if in.Role != nil {
		d, err := u.ChangeRole(c.Principal, domain.Role(*in.Role))
		if err != nil {
			return httpapi.Response{}, err
		}
		decided = append(decided, d...)
	}
	if in.Status != nil {
		mid, err := fold(evs, u.Version, decided, identity.FoldUser)
		if err != nil {
			return httpapi.Response{}, err
		}
		d, err := mid.SetStatus(c.Principal, *in.Status)
		if err != nil {
			return httpapi.Response{}, err
		}
		decided = append(decided, d...)
	}
	after, m, err := update(c, identity.StreamUser(u.ID), u.TenantID, evs, u.Version, decided, identity.FoldUser, userResource)
	if err != nil {
		return httpapi.Response{}, err
	}
	if len(decided) == 0 {
		return s.Commit(ctx, c, m)
	}
	cred, err := s.userCred(ctx, u.ID, u.Version)
	if err != nil {
		return httpapi.Response{}, err
	}
	cred.Role, cred.Status, cred.SessionEpoch, cred.Version = after.Role, after.Status, after.SessionEpoch(), after.Version
	if m.Records, err = userOps(cred, false); err != nil {
		return httpapi.Response{}, err
	}
	change := identity.PlatformAdminChange(u, after)
	removes, adds := change < 0, change > 0
	if removes {
		if err := s.adjustPlatformAdmins(ctx, -1); err != nil {
			return httpapi.Response{}, err
		}
	}
	resp, err := s.Commit(ctx, c, m)
	switch {
	case err != nil && removes:
		if rerr := s.adjustPlatformAdmins(context.WithoutCancel(ctx), +1); rerr != nil {
			s.d.Log.WarnContext(ctx, "platform admin counter not restored (stays a lower bound)", "error", rerr.Error())
		}
	case err == nil && adds:
		if aerr := s.adjustPlatformAdmins(ctx, +1); aerr != nil {
			s.d.Log.WarnContext(ctx, "platform admin counter not incremented (stays a lower bound)", "error", aerr.Error())
		}
	}
	return resp, err
}

// ------------------------------------------------------------------ keys ---

type keyRequest struct {
	Name      string  `json:"name"`
	ExpiresAt *string `json:"expires_at"`
}

// createKey creates an API key for the caller; the response alone carries
// the full key.
func (s *commands) createKey(ctx context.Context, c *commandapi.Call) (httpapi.Response, error) {
	var in keyRequest
	if err := c.Decode(&in); err != nil {
		return httpapi.Response{}, err
	}
	if err := commandapi.MaxLen("name", in.Name, MaxNameBytes); err != nil {
		return httpapi.Response{}, err
	}
	exp, err := commandapi.ParseTime("expires_at", in.ExpiresAt)
	if err != nil {
		return httpapi.Response{}, err
	}
	owner, _, err := s.loadUser(ctx, c.Principal.UserID)
	if err != nil {
		return httpapi.Response{}, err
	}
	id, secret, full, err := auth.NewKey()
	if err != nil {
		return httpapi.Response{}, err
	}
	evs, err := identity.CreateAPIKey(id, owner, c.Principal, in.Name, exp, s.Now())
	if err != nil {
		return httpapi.Response{}, err
	}
	k, m, err := create(c, identity.StreamAPIKey(id), owner.TenantID, evs, identity.FoldAPIKey,
		func(k identity.APIKey, v int64, _ time.Time) CreatedKey {
			return CreatedKey{keyResource(k, nil, v), full}
		})
	if err != nil {
		return httpapi.Response{}, err
	}
	op, err := put(auth.KeyRecord(auth.KindAPIKey, auth.KeyCredential{KeyID: id, OwnerID: k.OwnerID, TenantID: k.TenantID,
		SecretHash: auth.HashSecret(secret), ExpiresAt: k.ExpiresAt}))
	if err != nil {
		return httpapi.Response{}, err
	}
	m.Records, m.ExtraHeaders = []events.RecordOp{op}, map[string]string{"Cache-Control": "no-store"}
	return s.Commit(ctx, c, m)
}

// revokeKey revokes an API key (200 with the key); it fails on the very
// next request. Revoking a revoked key changes nothing and answers the
// same. Honours If-Match.
func (s *commands) revokeKey(ctx context.Context, c *commandapi.Call) (httpapi.Response, error) {
	id, err := c.PathID("id")
	if err != nil {
		return httpapi.Response{}, err
	}
	if b, err := c.Body(); err != nil {
		return httpapi.Response{}, err
	} else if len(strings.TrimSpace(string(b))) > 0 {
		return httpapi.Response{}, domain.Invalid("body", "DELETE takes no body")
	}
	k, evs, err := s.loadKey(ctx, id)
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := domain.Authorize(c.Principal, domain.ActAPIKeyRevoke, domain.Resource{TenantID: k.TenantID, OwnerID: k.OwnerID}); err != nil {
		return httpapi.Response{}, err
	}
	if err := c.CheckIfMatch(k.Version); err != nil {
		return httpapi.Response{}, err
	}
	decided, err := k.Revoke(c.Principal, s.Now())
	if err != nil {
		return httpapi.Response{}, err
	}
	rec, err := s.d.Store.GetRecord(ctx, auth.KeyRecordKey(id))
	if err != nil {
		return httpapi.Response{}, fmt.Errorf("key credential %s: %w", id, err)
	}
	cred, err := auth.DecodeKey(rec)
	if err != nil {
		return httpapi.Response{}, err
	}
	after, m, err := update(c, identity.StreamAPIKey(id), k.TenantID, evs, k.Version, decided, identity.FoldAPIKey,
		func(k identity.APIKey, v int64, _ time.Time) APIKey { return keyResource(k, cred.LastUsedAt, v) })
	if err != nil {
		return httpapi.Response{}, err
	}
	if len(decided) > 0 {
		cred.RevokedAt = after.RevokedAt
		op, err := put(auth.KeyRecord(auth.KindAPIKey, cred))
		if err != nil {
			return httpapi.Response{}, err
		}
		m.Records = []events.RecordOp{op}
	}
	return s.Commit(ctx, c, m)
}

// -------------------------------------------------------------- ws ticket ---

// wsTicket issues a one-time WebSocket ticket for the caller (TicketTTL):
// 201 {"ticket","expires_at","url"}. The body is empty or {}.
func (s *commands) wsTicket(ctx context.Context, c *commandapi.Call) (httpapi.Response, error) {
	if err := domain.Authorize(c.Principal, domain.ActWSTicket, domain.Resource{TenantID: c.Principal.TenantID, OwnerID: c.Principal.UserID}); err != nil {
		return httpapi.Response{}, err
	}
	if err := c.DecodeEmpty(); err != nil {
		return httpapi.Response{}, err
	}
	t, exp, err := auth.IssueTicket(ctx, s.d.Expiring, c.Principal, s.Now())
	if err != nil {
		return httpapi.Response{}, err
	}
	resp := httpapi.JSON(http.StatusCreated, map[string]any{"ticket": t, "expires_at": exp, "url": s.d.WSURL})
	resp.Headers["Cache-Control"] = "no-store"
	return resp, nil
}

// recorded converts envelopes for the identity aggregates' fold functions.
func recorded(evs []events.Envelope) []identity.Recorded {
	out := make([]identity.Recorded, len(evs))
	for i, e := range evs {
		out[i] = identity.Recorded{Type: e.Type, Version: e.Version, OccurredAt: e.OccurredAt, Data: e.Data}
	}
	return out
}

// newEvents converts decided identity events.
func newEvents(evs []identity.Event) []commandapi.NewEvent {
	out := make([]commandapi.NewEvent, len(evs))
	for i, e := range evs {
		out[i] = commandapi.NewEvent{Type: e.Type, Schema: identity.SchemaV1, Data: e.Data}
	}
	return out
}
