package identityapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/internal/auth"
	"github.com/skyledger/skyledger/internal/httpapi"
	"github.com/skyledger/skyledger/internal/queryapi"
	"github.com/skyledger/skyledger/internal/readmodel"
)

// Queries binds identity's query routes (the context's queryapi module).
func Queries(svc *queryapi.Service, r *httpapi.Router) {
	s := &queries{Service: svc, d: svc.Deps()}
	r.Handle(identity.RouteBootstrapState.Key(), s.bootstrapState)
	r.Handle(identity.RouteListTenants.Key(), s.listTenants)
	r.Handle(identity.RouteGetTenant.Key(), s.getTenant)
	r.Handle(identity.RouteListUsers.Key(), s.listTenantUsers)
	r.Handle(identity.RouteGetUser.Key(), s.getUser)
	r.Handle(identity.RouteGetMe.Key(), s.getMe)
	r.Handle(identity.RouteListAPIKeys.Key(), s.listAPIKeys)
}

// queries serves identity's query routes on the query service (lists,
// single resources and cursors come from it).
type queries struct {
	*queryapi.Service
	d queryapi.Deps
}

// loadView reads one item and decodes its body.
func loadView[T any](ctx context.Context, m readmodel.Store, pk, sk string) (T, readmodel.Item, error) {
	var v T
	it, err := m.Get(ctx, pk, sk)
	if err != nil {
		return v, it, err
	}
	if err := json.Unmarshal(it.Body, &v); err != nil {
		return v, it, fmt.Errorf("decode read model %s: %w", pk, err)
	}
	return v, it, nil
}

func (s *queries) listTenants(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
	p, err := httpapi.PrincipalFrom(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	if domain.ScopeOf(p.Role, domain.ActTenantRead) == domain.ScopeAny {
		return s.listIndex(ctx, req, "tenants|all", GSI1Tenants)
	}
	// everyone else sees exactly their own tenant
	if _, err := s.ParseList(req, "tenants|own|"+p.TenantID); err != nil {
		return httpapi.Response{}, err
	}
	t, it, err := loadView[Tenant](ctx, s.d.Models, TenantPK(p.TenantID), SKTenant)
	if readmodel.IsNotFound(err) {
		return s.ListResponse(nil, "", ""), nil
	}
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := domain.Authorize(p, domain.ActTenantRead, domain.Resource{TenantID: t.ID}); err != nil {
		return httpapi.Response{}, err
	}
	return s.ListResponse(bodies([]readmodel.Item{it}), "", ""), nil
}

// listIndex answers a list route with the bodies of a page of the gsi1
// partition gpk, its cursor bound to scope.
func (s *queries) listIndex(ctx context.Context, req httpapi.Request, scope, gpk string) (httpapi.Response, error) {
	page, err := s.ListIndex(ctx, req, scope, gpk)
	if err != nil {
		return httpapi.Response{}, err
	}
	return s.ListResponse(bodies(page.Items), page.Next, scope), nil
}

func bodies(items []readmodel.Item) []json.RawMessage {
	out := make([]json.RawMessage, 0, len(items))
	for _, it := range items {
		out = append(out, it.Body)
	}
	return out
}

func (s *queries) getTenant(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
	p, id, err := httpapi.PrincipalAndID(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	return s.Single(ctx, req, s.Loader(TenantPK(id), SKTenant), func(v queryapi.Versioned) error {
		return domain.Authorize(p, domain.ActTenantRead, domain.Resource{TenantID: id})
	})
}

func (s *queries) listTenantUsers(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
	p, id, err := httpapi.PrincipalAndID(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	if _, err := s.d.Models.Get(ctx, TenantPK(id), SKTenant); err != nil {
		return httpapi.Response{}, err
	}
	if err := domain.Authorize(p, domain.ActUserList, domain.Resource{TenantID: id}); err != nil {
		return httpapi.Response{}, err
	}
	gpk := TenantUsersGSI1PK(id)
	return s.listIndex(ctx, req, "users|"+gpk, gpk)
}

func (s *queries) getUser(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
	p, id, err := httpapi.PrincipalAndID(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	return s.user(ctx, req, p, id)
}

// bootstrapState tells a console whether to offer the bootstrap page. It
// is unauthenticated and reveals only whether the platform exists.
func (s *queries) bootstrapState(ctx context.Context, _ httpapi.Request) (httpapi.Response, error) {
	if s.d.Records == nil {
		return httpapi.Response{}, fmt.Errorf("bootstrap state: no records store wired")
	}
	done, err := auth.Bootstrapped(ctx, s.d.Records)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, map[string]bool{"bootstrapped": done}), nil
}

func (s *queries) getMe(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
	p, err := httpapi.PrincipalFrom(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	return s.user(ctx, req, p, p.UserID)
}

func (s *queries) user(ctx context.Context, req httpapi.Request, p domain.Principal, id string) (httpapi.Response, error) {
	return s.Single(ctx, req, s.Loader(UserPK(id), SKUser), func(v queryapi.Versioned) error {
		var u User
		if err := json.Unmarshal(v.Body, &u); err != nil {
			return fmt.Errorf("decode user %s: %w", id, err)
		}
		return domain.Authorize(p, domain.ActUserRead, domain.Resource{TenantID: u.TenantID, OwnerID: u.ID})
	})
}

func (s *queries) listAPIKeys(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
	p, err := httpapi.PrincipalFrom(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	owner := domain.Resource{TenantID: p.TenantID, OwnerID: p.UserID}
	if v, ok := req.QueryStringParameters["owner_id"]; ok && v != p.UserID {
		if err := queryapi.QueryID("owner_id", v); err != nil {
			return httpapi.Response{}, err
		}
		u, _, err := loadView[User](ctx, s.d.Models, UserPK(v), SKUser)
		if err != nil {
			return httpapi.Response{}, fmt.Errorf("owner_id: %w", err)
		}
		owner = domain.Resource{TenantID: u.TenantID, OwnerID: u.ID}
	}
	if err := domain.Authorize(p, domain.ActAPIKeyList, owner); err != nil {
		return httpapi.Response{}, err
	}
	gpk := UserAPIKeysGSI1PK(owner.OwnerID)
	scope := "apikeys|" + gpk
	page, err := s.ListIndex(ctx, req, scope, gpk)
	if err != nil {
		return httpapi.Response{}, err
	}
	items := make([]json.RawMessage, 0, len(page.Items))
	for _, it := range page.Items {
		items = append(items, s.withLastUsed(ctx, it.Body))
	}
	return s.ListResponse(items, page.Next, scope), nil
}

// withLastUsed overlays the key's last_used_at from its credential record
// (refreshed by the authorizer without an event). On any lookup failure the
// read-model value is served.
func (s *queries) withLastUsed(ctx context.Context, body json.RawMessage) json.RawMessage {
	if s.d.Records == nil {
		return body
	}
	var k APIKey
	if err := json.Unmarshal(body, &k); err != nil {
		return body
	}
	at, err := auth.LastUsed(ctx, s.d.Records, k.ID)
	if err != nil {
		if !errors.Is(err, events.ErrNotFound) && !readmodel.IsNotFound(err) {
			s.d.Log.WarnContext(ctx, "last_used_at lookup failed", "key_id", k.ID, "error", err.Error())
		}
		return body
	}
	if at == nil || (k.LastUsedAt != nil && !at.After(*k.LastUsedAt)) {
		return body
	}
	u := at.UTC()
	k.LastUsedAt = &u
	b, err := json.Marshal(k)
	if err != nil {
		return body
	}
	return b
}
