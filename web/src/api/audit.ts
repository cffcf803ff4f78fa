// The audit trail (GET /api/audit): filters kept in the URL, the API query
// built from them, cursor pages through TanStack Query, and the exports.
import { useInfiniteQuery, type InfiniteData } from '@tanstack/react-query';
import { api, apiBlob } from './client';
import { qk } from './keys';
import type { AuditEntry, Page } from './types';

export interface AuditFilters {
  /** tenant is the platform admin's pick ('' = the caller's tenant). */
  tenant: string;
  stream: string;
  actor: string;
  types: string[];
  /** window is a relative time window ('1h', '24h', '7d', '30d'); from/to win over it. */
  window: string;
  from: string;
  to: string;
}

export const NO_AUDIT_FILTERS: AuditFilters = { tenant: '', stream: '', actor: '', types: [], window: '', from: '', to: '' };

export const AUDIT_WINDOWS: Record<string, number> = { '1h': 3600e3, '24h': 86400e3, '7d': 7 * 86400e3, '30d': 30 * 86400e3 };

export const AUDIT_PAGE = 50;

/** parseAuditFilters reads the filters from the page's URL query. */
export function parseAuditFilters(q: URLSearchParams): AuditFilters {
  const window = q.get('window') ?? '';
  return {
    tenant: q.get('tenant') ?? '',
    stream: q.get('stream') ?? '',
    actor: q.get('actor') ?? '',
    types: q.getAll('type').flatMap((t) => t.split(',')).filter(Boolean),
    window: window in AUDIT_WINDOWS ? window : '',
    from: q.get('from') ?? '',
    to: q.get('to') ?? '',
  };
}

/** auditFiltersQuery is the inverse of parseAuditFilters (empty values left out). */
export function auditFiltersQuery(f: AuditFilters): URLSearchParams {
  const q = new URLSearchParams();
  if (f.tenant) q.set('tenant', f.tenant);
  if (f.stream.trim()) q.set('stream', f.stream.trim());
  if (f.actor.trim()) q.set('actor', f.actor.trim());
  for (const t of f.types) q.append('type', t);
  if (f.window) q.set('window', f.window);
  if (f.from) q.set('from', f.from);
  if (f.to) q.set('to', f.to);
  return q;
}

/** toRFC3339 accepts a datetime-local value ("2026-12-01T10:00", read as UTC) or an RFC 3339 time. */
export function toRFC3339(v: string): string | undefined {
  if (!v) return undefined;
  const s = /Z$|[+-]\d\d:\d\d$/.test(v) ? v : v + 'Z';
  const d = new Date(s);
  return isNaN(d.getTime()) ? undefined : d.toISOString();
}

/**
 * auditApiQuery is the GET /api/audit query for the filters. now fixes the
 * start of a relative window; explicit from/to take precedence.
 */
export function auditApiQuery(f: AuditFilters, now: number, extra: Record<string, string> = {}): URLSearchParams {
  const q = new URLSearchParams();
  if (f.tenant) q.set('tenant_id', f.tenant);
  if (f.stream.trim()) q.set('stream_id', f.stream.trim());
  if (f.actor.trim()) q.set('actor', f.actor.trim());
  for (const t of f.types) q.append('type', t);
  const from = toRFC3339(f.from) ?? (f.window ? new Date(now - AUDIT_WINDOWS[f.window]).toISOString() : undefined);
  const to = toRFC3339(f.to);
  if (from) q.set('from', from);
  if (to) q.set('to', to);
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  return q;
}

/**
 * useAudit pages through a tenant's trail. The key starts with
 * ['audit', tenantId], which every event frame of that tenant invalidates
 * (ws/mapper.ts), so the trail is live; tenantId is the tenant shown.
 */
export function useAudit(tenantId: string, f: AuditFilters) {
  const { tenant: _t, ...rest } = f;
  void _t;
  return useInfiniteQuery<Page<AuditEntry>, Error, InfiniteData<Page<AuditEntry>>, readonly unknown[], string | null>({
    queryKey: [...qk.audit(tenantId), rest],
    initialPageParam: null,
    queryFn: ({ signal, pageParam }) => {
      const q = auditApiQuery(f, Date.now(), { limit: String(AUDIT_PAGE), ...(pageParam ? { cursor: pageParam } : {}) });
      return api<Page<AuditEntry>>(`/api/audit?${q}`, { signal });
    },
    getNextPageParam: (last) => last?.next_cursor || null,
    enabled: !!tenantId,
  });
}

/** exportAudit downloads the selection as CSV or NDJSON and saves it as a file. */
export async function exportAudit(f: AuditFilters, format: 'csv' | 'ndjson'): Promise<{ truncated: boolean }> {
  const q = auditApiQuery(f, Date.now(), { format });
  const { blob, headers } = await apiBlob(`/api/audit?${q}`, format === 'csv' ? 'text/csv' : 'application/x-ndjson');
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = `audit-${new Date().toISOString().slice(0, 19).replace(/:/g, '')}.${format}`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return { truncated: headers.get('X-Export-Truncated') === 'true' };
}
