// Server state through TanStack Query. Components read these hooks; nothing
// the server owns is copied into component state.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './client';
import { markRetracted, upsertInPage, upsertInPages } from './cache';
import { qk } from './keys';
import { apiQuery, type PirepFilters } from '../pirep/filters';
import type { ApiKey, BootstrapResponse, LoginResponse, Page, Pirep, Role, Tenant, Ticket, User } from './types';
import { markBootstrapped, setOneTimeSecret, setSession } from '../session';

/** Whether the platform exists (GET /api/bootstrap, unauthenticated). */
export function useBootstrapState() {
  return useQuery({
    queryKey: qk.bootstrapState,
    queryFn: ({ signal }) =>
      api<{ bootstrapped: boolean }>('/api/bootstrap', { signal }).then((r) => {
        if (r?.bootstrapped) markBootstrapped(); // remembered where the fact arrives
        return r;
      }),
    staleTime: 60_000,
    retry: false,
  });
}

export function useMe(enabled = true) {
  return useQuery({ queryKey: qk.me, queryFn: ({ signal }) => api<User>('/api/users/me', { signal }), enabled });
}

export function useTenants(enabled = true) {
  return useQuery({
    queryKey: qk.tenants,
    queryFn: ({ signal }) => api<Page<Tenant>>('/api/tenants?limit=200', { signal }),
    enabled,
  });
}

/**
 * useUsers lists a tenant's users. live=false (another tenant than the
 * caller's, whose events the console did not receive until now) refetches
 * on every mount instead of trusting a cached copy.
 */
export function useUsers(tenantId: string | undefined, live = true) {
  return useQuery({
    queryKey: qk.users(tenantId ?? ''),
    queryFn: ({ signal }) => api<Page<User>>(`/api/tenants/${encodeURIComponent(tenantId!)}/users?limit=200`, { signal }),
    enabled: !!tenantId,
    ...(live ? {} : { staleTime: 0 }),
  });
}

/** useApiKeys lists the caller's keys, or ownerId's (admins, within their scope). */
export function useApiKeys(ownerId?: string) {
  return useQuery({
    queryKey: ownerId ? [...qk.apikeys, ownerId] : qk.apikeys,
    queryFn: ({ signal }) =>
      api<Page<ApiKey>>(`/api/apikeys?limit=200${ownerId ? '&owner_id=' + encodeURIComponent(ownerId) : ''}`, { signal }),
  });
}

export const FEED_LIMIT = 200;

/**
 * usePireps lists the PIREPs matching the API-side filters. The key holds
 * the filters (not the computed "from" time), so a time window does not
 * make a new query on every render; the WebSocket mapper updates and
 * invalidates every ['pireps', ...] query.
 */
export function usePireps(f: PirepFilters) {
  const { hazards: _h, minIntensity: _m, near: _n, nearNM: _nm, ...apiSide } = f;
  void _h, _m, _n, _nm;
  return useQuery({
    queryKey: [...qk.pireps, 'list', apiSide] as const,
    queryFn: ({ signal }) => api<Page<Pirep>>(`/api/pireps?${apiQuery(f, FEED_LIMIT, Date.now())}`, { signal }),
  });
}

/** useRetractPirep retracts a report; the cached lists mark it at once (the event confirms). */
export function useRetractPirep() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: { pirep: Pirep; reason: string }) =>
      api<Pirep>(`/api/pireps/${encodeURIComponent(v.pirep.id)}/retract`, {
        method: 'POST',
        body: { reason: v.reason.trim() },
        headers: { 'If-Match': `"${v.pirep.version}"`, 'Idempotency-Key': idempotencyKey() },
      }),
    onSuccess: (p, v) => {
      markRetracted(qc, p?.id ?? v.pirep.id, p?.id ? p : undefined);
      void qc.invalidateQueries({ queryKey: qk.pireps, refetchType: 'none' }); // as after a submit
    },
    onError: () => qc.invalidateQueries({ queryKey: qk.pireps }),
  });
}

/**
 * logout revokes the session key on the server (POST /api/auth/logout),
 * then forgets it locally whatever the answer: a server without the route
 * (404), an expired key (401) or no network still sign the browser out.
 */
export async function logout(): Promise<void> {
  try {
    await api<void>('/api/auth/logout', { method: 'POST', body: {}, auth: true, noSignOut: true });
  } catch {
    // signing out locally is what matters to the user
  } finally {
    setSession(null);
  }
}

export function getTicket(): Promise<Ticket> {
  return api<Ticket>('/api/ws/ticket', { method: 'POST', body: {} });
}

export function useLogin() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: { email: string; password: string }) =>
      api<LoginResponse>('/api/auth/login', { method: 'POST', body: { email: v.email.trim(), password: v.password }, auth: false }),
    onSuccess: (r) => {
      qc.clear();
      markBootstrapped();
      if (r.user) qc.setQueryData(qk.me, r.user);
      setSession({ key: r.key, expires_at: r.expires_at });
    },
  });
}

export function useBootstrap() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: { bootstrap_token: string; tenant_name: string; email: string; password: string; display_name: string }) =>
      api<BootstrapResponse>('/api/bootstrap', {
        method: 'POST',
        auth: false,
        body: { ...v, bootstrap_token: v.bootstrap_token.trim(), email: v.email.trim(), tenant_name: v.tenant_name.trim(), display_name: v.display_name.trim() },
      }),
    onSuccess: (r) => {
      qc.clear();
      if (r.user) qc.setQueryData(qk.me, r.user);
      markBootstrapped();
      // a server that returns a browser session (a 12 h key) is preferred
      // over the never-expiring API key, which the screen shows once instead
      const session = r.session?.key ? r.session : typeof r.key === 'string' && r.key ? { key: r.key, expires_at: r.expires_at } : null;
      if (session) {
        setOneTimeSecret(r.api_key.key);
        setSession({ key: session.key, expires_at: session.expires_at ?? null });
      }
      else setSession({ key: r.api_key.key, expires_at: r.api_key.expires_at ?? null });
    },
    // 409: the platform exists already
    onError: (e) => {
      if ((e as { status?: number } | null)?.status === 409) markBootstrapped();
    },
  });
}

export function useChangePassword() {
  return useMutation({
    mutationFn: (v: { old_password: string; new_password: string }) =>
      api<void>('/api/auth/password', { method: 'POST', body: v }),
  });
}

export function useCreateTenant() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: { name: string }) => api<Tenant>('/api/tenants', { method: 'POST', body: { name: v.name.trim() } }),
    onSuccess: (t) => upsertInPage(qc, qk.tenants, t),
  });
}

export function useCreateUser(tenantId: string | undefined) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: { email: string; password: string; display_name: string; role: Role }) =>
      api<User>(`/api/tenants/${encodeURIComponent(tenantId!)}/users`, {
        method: 'POST',
        body: { ...v, email: v.email.trim(), display_name: v.display_name.trim() },
      }),
    onSuccess: (u) => upsertInPage(qc, qk.users(u.tenant_id ?? tenantId ?? ''), u),
  });
}

export function usePatchUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: { user: User; role?: Role; status?: 'active' | 'deactivated' }) => {
      const body: Record<string, string> = {};
      if (v.role) body.role = v.role;
      if (v.status) body.status = v.status;
      return api<User>(`/api/users/${encodeURIComponent(v.user.id)}`, {
        method: 'PATCH',
        body,
        headers: { 'If-Match': `"${v.user.version}"` },
      });
    },
    onSuccess: (u, v) => {
      if (u?.id) upsertInPage(qc, qk.users(v.user.tenant_id), u);
    },
    onError: (_e, v) => {
      // 412 and friends: the cached copy was stale
      void qc.invalidateQueries({ queryKey: qk.users(v.user.tenant_id) });
    },
  });
}

/** useEraseUser erases a deactivated user's personal data (POST /api/users/{id}/erase). */
export function useEraseUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (user: User) =>
      api<User>(`/api/users/${encodeURIComponent(user.id)}/erase`, {
        method: 'POST',
        headers: { 'If-Match': `"${user.version}"` },
      }),
    onSuccess: (u, user) => {
      if (u?.id) upsertInPage(qc, qk.users(user.tenant_id), u);
      // the trail's entries of this user were rewritten: every tenant's, as
      // a platform admin's entries (actor names) lie in the trails of the
      // tenants it acted on, not only its own
      void qc.invalidateQueries({ queryKey: qk.auditAll });
    },
    onError: (_e, user) => {
      void qc.invalidateQueries({ queryKey: qk.users(user.tenant_id) });
    },
  });
}

export function useCreateApiKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: { name: string; expires_at?: string }) =>
      api<ApiKey & { key: string }>('/api/apikeys', { method: 'POST', body: v }),
    onSuccess: (k) => {
      // the list cache never holds the secret
      const { key: _secret, ...rest } = k;
      void _secret;
      upsertInPage(qc, qk.apikeys, rest, { prepend: true });
    },
  });
}

export function useRevokeApiKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<ApiKey | undefined>(`/api/apikeys/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    onSuccess: (k, id) => {
      // every cached key list (the caller's and any owner's) holding this key
      const item = k?.id ? k : ({ id, revoked_at: new Date().toISOString() } as ApiKey);
      upsertInPages(qc, qk.apikeys, item, { insert: false });
    },
    onError: () => qc.invalidateQueries({ queryKey: qk.apikeys }),
  });
}

export function useSubmitPirep() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: { raw: string; urgent?: boolean; tenant_id?: string }) =>
      api<Pirep>('/api/pireps', { method: 'POST', body: v, headers: { 'Idempotency-Key': idempotencyKey() } }),
    onSuccess: (p) => {
      if (!p?.id) return;
      // the response is the full resource (position included): it replaces a
      // thinner copy built from a WebSocket frame that came first
      upsertInPages(qc, qk.pireps, p, { prepend: true });
      // Setting data marks the lists fresh, which would hide the invalidation
      // of a WebSocket frame that arrived first: mark them stale again (no
      // refetch now, the read model may lag; the next mount or frame refetches).
      void qc.invalidateQueries({ queryKey: qk.pireps, refetchType: 'none' });
    },
  });
}

function idempotencyKey(): string {
  const c = globalThis.crypto;
  if (c?.randomUUID) return c.randomUUID();
  return Date.now().toString(36) + Math.random().toString(36).slice(2);
}

/**
 * usePatchTenant renames, suspends or reactivates a tenant (platform_admin),
 * with If-Match from the cached version.
 */
export function usePatchTenant() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: { tenant: Tenant; name?: string; status?: 'active' | 'suspended' }) => {
      const body: Record<string, string> = {};
      if (v.name !== undefined) body.name = v.name.trim();
      if (v.status) body.status = v.status;
      return api<Tenant>(`/api/tenants/${encodeURIComponent(v.tenant.id)}`, {
        method: 'PATCH',
        body,
        headers: { 'If-Match': `"${v.tenant.version}"` },
      });
    },
    onSuccess: (t) => {
      if (t?.id) upsertInPage(qc, qk.tenants, t);
    },
    onError: () => {
      // 412: the cached copy was stale
      void qc.invalidateQueries({ queryKey: qk.tenants });
    },
  });
}
