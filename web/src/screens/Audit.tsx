// The audit trail of a tenant (tenant_admin: its own; platform_admin: any,
// picked like on the PIREP screen). The filters live in the URL query, so
// a reload or a shared link shows the same selection.
import { useMemo } from 'react';
import { useMutation } from '@tanstack/react-query';
import { AUDIT_WINDOWS, auditFiltersQuery, exportAudit, NO_AUDIT_FILTERS, parseAuditFilters, useAudit, type AuditFilters } from '../api/audit';
import { useTenants, useUsers } from '../api/hooks';
import type { User } from '../api/types';
import { AuditList } from '../components/AuditList';
import { Field, FormError, SelectField } from '../components/Field';
import { TenantSelect } from '../components/TenantSelect';
import { setQuery } from '../route';
import { EVENT_TYPES } from '../ws/mapper';
import { useWsChannels } from '../ws/WsProvider';

const WINDOW_LABEL: Record<string, string> = { '': 'Any time', '1h': 'Last hour', '24h': 'Last 24 hours', '7d': 'Last 7 days', '30d': 'Last 30 days' };

export function Audit({ me, query }: { me: User; query: URLSearchParams }) {
  const f = useMemo(() => parseAuditFilters(query), [query]);
  const set = (patch: Partial<AuditFilters>) => setQuery(auditFiltersQuery({ ...f, ...patch }));
  const isPlatform = me.role === 'platform_admin';
  const tenants = useTenants(isPlatform);
  const tenant = isPlatform ? f.tenant || me.tenant_id : me.tenant_id;
  const foreign = isPlatform && tenant !== me.tenant_id;
  // another tenant's events arrive on its channels (ours are subscribed already)
  useWsChannels(foreign ? [`tenant:${tenant}:updates`, `tenant:${tenant}:pireps`] : []);
  const users = useUsers(tenant, !foreign);
  const api: AuditFilters = { ...f, tenant: isPlatform ? tenant : '' };
  const q = useAudit(tenant, api);
  const exp = useMutation({ mutationFn: (format: 'csv' | 'ndjson') => exportAudit(api, format) });
  const exporting = exp.isPending ? exp.variables : '';
  const types = [...new Set([...EVENT_TYPES, ...f.types])];
  const active = auditFiltersQuery({ ...f, tenant: '' }).toString() !== '';

  const toggleType = (t: string, on: boolean) => set({ types: on ? [...f.types, t] : f.types.filter((x) => x !== t) });

  return (
    <section aria-labelledby="audit-h">
      <h1 id="audit-h">Audit trail</h1>
      {isPlatform && (
        <TenantSelect value={tenant} tenants={tenants.data?.items} onChange={(id) => set({ tenant: id === me.tenant_id ? '' : id })} testid="audit-tenant" keepUnknown />
      )}
      <form className="audit-filters" aria-label="Audit filters" onSubmit={(e) => e.preventDefault()} data-testid="audit-filters">
        <div className="grid">
          <Field label="Stream id" placeholder="user-… or pirep-…" value={f.stream} onChange={(e) => set({ stream: e.target.value })} testid="audit-stream" />
          <SelectField label="Actor" value={f.actor} onChange={(e) => set({ actor: e.target.value })} testid="audit-actor-filter">
            <option value="">Anyone</option>
            <option value="system">System</option>
            {users.data?.items.map((u) => (
              <option key={u.id} value={u.id}>
                {u.display_name}
              </option>
            ))}
            {f.actor && f.actor !== 'system' && !users.data?.items.some((u) => u.id === f.actor) && <option value={f.actor}>{f.actor}</option>}
          </SelectField>
          <SelectField label="Time window" value={f.window} onChange={(e) => set({ window: e.target.value })} testid="audit-window">
            {['', ...Object.keys(AUDIT_WINDOWS)].map((w) => (
              <option key={w} value={w}>
                {WINDOW_LABEL[w]}
              </option>
            ))}
          </SelectField>
          <Field label="From (UTC)" type="datetime-local" value={f.from} onChange={(e) => set({ from: e.target.value })} testid="audit-from" />
          <Field label="To (UTC)" type="datetime-local" value={f.to} onChange={(e) => set({ to: e.target.value })} testid="audit-to" />
        </div>
        <fieldset className="types" data-testid="audit-types">
          <legend>Event types {f.types.length ? `(${f.types.length} selected)` : '(all)'}</legend>
          {types.map((t) => (
            <label key={t} className="check">
              <input type="checkbox" checked={f.types.includes(t)} onChange={(e) => toggleType(t, e.target.checked)} data-testid={`audit-type-${t}`} /> <code>{t}</code>
            </label>
          ))}
        </fieldset>
        <div className="row">
          <button type="button" className="secondary" disabled={!active} onClick={() => setQuery(auditFiltersQuery({ ...NO_AUDIT_FILTERS, tenant: f.tenant }))} data-testid="audit-reset">
            Clear filters
          </button>
          <button type="button" disabled={!!exporting} onClick={() => exp.mutate('csv')} data-testid="audit-export-csv">
            {exporting === 'csv' ? 'Exporting…' : 'Export CSV'}
          </button>
          <button type="button" disabled={!!exporting} onClick={() => exp.mutate('ndjson')} data-testid="audit-export-ndjson">
            {exporting === 'ndjson' ? 'Exporting…' : 'Export NDJSON'}
          </button>
        </div>
        {exp.data?.truncated && (
          <p className="warn" role="status" data-testid="audit-export-truncated">
            ⚠ The export was cut at 5,000 entries: narrow the time range to get the rest.
          </p>
        )}
        <FormError message={exp.error?.message} />
      </form>
      <h2 className="sr-only">Entries</h2>
      <AuditList q={q} caption="Audit trail entries, newest first" />
    </section>
  );
}
