import { useState, type FormEvent } from 'react';
import { useApiKeys, useCreateApiKey, useRevokeApiKey, useTenants, useUsers } from '../api/hooks';
import type { User } from '../api/types';
import { Field, FormError, SelectField } from '../components/Field';
import { TenantSelect } from '../components/TenantSelect';
import { ActionsHeader, QueryState } from '../components/Table';
import { splitServerError } from '../forms/serverErrors';
import { hasErrors, validateApiKey, type ApiKeyCreateInput, type Errors } from '../forms/validation';
import { fmtTime } from './util';

/**
 * ApiKeys lists the caller's keys with a create form; an admin picks another
 * user of a tenant in their scope (GET /api/apikeys?owner_id=) to list and
 * revoke that user's keys.
 */
export function ApiKeys({ me }: { me?: User }) {
  const isPlatform = me?.role === 'platform_admin';
  const isAdmin = isPlatform || me?.role === 'tenant_admin';
  const tenants = useTenants(isPlatform);
  const [tenant, setTenant] = useState('');
  const [owner, setOwner] = useState('');
  const tenantId = isPlatform ? tenant || me?.tenant_id : me?.tenant_id;
  const users = useUsers(isAdmin ? tenantId : undefined, tenantId === me?.tenant_id);
  const other = owner && owner !== me?.id ? owner : undefined;
  const ownerName = users.data?.items.find((u) => u.id === owner)?.display_name;
  const keys = useApiKeys(other);
  const create = useCreateApiKey();
  const revoke = useRevokeApiKey();
  const [v, setV] = useState<ApiKeyCreateInput>({ name: '', expires_at: '' });
  const [errors, setErrors] = useState<Errors>({});
  const [copied, setCopied] = useState(false);
  const server = splitServerError(create.error, ['name', 'expires_at']);
  const e = { ...server.fieldErrors, ...errors };

  function submit(ev: FormEvent) {
    ev.preventDefault();
    const err = validateApiKey(v);
    setErrors(err);
    if (hasErrors(err)) return;
    setCopied(false);
    create.mutate(
      { name: v.name.trim(), ...(v.expires_at ? { expires_at: new Date(v.expires_at).toISOString() } : {}) },
      { onSuccess: () => setV({ name: '', expires_at: '' }) },
    );
  }

  async function copy(text: string) {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
    } catch {
      const el = document.getElementById('new-key-secret') as HTMLInputElement | null;
      el?.select();
      setCopied(document.execCommand?.('copy') ?? false);
    }
  }

  const secret = create.data?.key;
  return (
    <section aria-labelledby="keys-h">
      <h1 id="keys-h">API keys</h1>
      {isAdmin && (
        <div className="row" data-testid="apikey-owner-picker">
          {isPlatform && (
            <TenantSelect
              value={tenantId}
              tenants={tenants.data?.items}
              onChange={(id) => {
                setTenant(id);
                setOwner('');
              }}
              testid="apikey-tenant"
            />
          )}
          <SelectField label="Keys of" value={owner || me?.id || ''} onChange={(e) => setOwner(e.target.value === me?.id ? '' : e.target.value)} testid="apikey-owner">
            {me && <option value={me.id}>you ({me.display_name})</option>}
            {users.data?.items
              .filter((u) => u.id !== me?.id)
              .map((u) => (
                <option key={u.id} value={u.id}>
                  {u.display_name} ({u.email}, {u.role})
                </option>
              ))}
          </SelectField>
        </div>
      )}
      {other ? (
        <p className="hint" data-testid="apikey-owner-note">
          Keys of {ownerName ?? other}. You can revoke them; only their owner creates keys.
        </p>
      ) : (
      <form onSubmit={submit} noValidate className="grid" data-testid="apikey-form" aria-label="Create API key">
        <Field label="Key name" value={v.name} onChange={(x) => setV({ ...v, name: x.target.value })} error={e.name} testid="apikey-name" />
        <Field label="Expires (optional, your local time)" type="datetime-local" value={v.expires_at} onChange={(x) => setV({ ...v, expires_at: x.target.value })} error={e.expires_at} testid="apikey-expires" />
        <FormError message={server.formError} />
        <button type="submit" disabled={create.isPending} data-testid="apikey-submit">
          Create key
        </button>
      </form>
      )}
      {secret && !other && (
        <div className="secret" role="status" data-testid="apikey-secret-box">
          <p>
            <strong>Copy this key now.</strong> It is shown once and cannot be retrieved again.
          </p>
          <div className="row">
            <label htmlFor="new-key-secret" className="sr-only">
              New API key
            </label>
            <input id="new-key-secret" readOnly value={secret} className="mono" data-testid="apikey-secret" onFocus={(x) => x.target.select()} />
            <button type="button" onClick={() => void copy(secret)} data-testid="apikey-copy">
              {copied ? 'Copied' : 'Copy'}
            </button>
            <button type="button" onClick={() => create.reset()} data-testid="apikey-dismiss">
              Done
            </button>
          </div>
        </div>
      )}
      <QueryState q={keys} />
      <table data-testid="apikey-list" className="stack">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Created</th>
            <th scope="col">Expires</th>
            <th scope="col">Last used</th>
            <th scope="col">State</th>
            <ActionsHeader />
          </tr>
        </thead>
        <tbody>
          {keys.data?.items.map((k) => (
            <tr key={k.id} data-testid="apikey-row" data-key-id={k.id}>
              <td data-label="Name">
                {k.name} <span className="mono small">{k.prefix ?? 'sk_' + k.id}</span>
              </td>
              <td data-label="Created">{fmtTime(k.created_at)}</td>
              <td data-label="Expires">{fmtTime(k.expires_at)}</td>
              <td data-label="Last used">{fmtTime(k.last_used_at)}</td>
              <td data-label="State" data-testid="apikey-state">{k.revoked_at ? 'revoked' : 'active'}</td>
              <td data-label="Actions">
                {!k.revoked_at && (
                  <button
                    type="button"
                    className="danger"
                    disabled={revoke.isPending}
                    onClick={() => {
                      if (confirm(`Revoke key "${k.name}"? Clients using it stop working at once.`)) revoke.mutate(k.id);
                    }}
                    data-testid="apikey-revoke"
                  >
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {revoke.error && <FormError message={(revoke.error as Error).message} />}
    </section>
  );
}
