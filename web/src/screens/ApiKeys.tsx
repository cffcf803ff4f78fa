import { useState, type FormEvent } from 'react';
import { useApiKeys, useCreateApiKey, useRevokeApiKey } from '../api/hooks';
import { Field, FormError } from '../components/Field';
import { splitServerError } from '../forms/serverErrors';
import { hasErrors, validateApiKey, type ApiKeyCreateInput, type Errors } from '../forms/validation';
import { fmtTime } from './util';

export function ApiKeys() {
  const keys = useApiKeys();
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
      <h2 id="keys-h">API keys</h2>
      <form onSubmit={submit} noValidate className="grid" data-testid="apikey-form" aria-label="Create API key">
        <Field label="Key name" value={v.name} onChange={(x) => setV({ ...v, name: x.target.value })} error={e.name} testid="apikey-name" />
        <Field label="Expires (optional, your local time)" type="datetime-local" value={v.expires_at} onChange={(x) => setV({ ...v, expires_at: x.target.value })} error={e.expires_at} testid="apikey-expires" />
        <FormError message={server.formError} />
        <button type="submit" disabled={create.isPending} data-testid="apikey-submit">
          Create key
        </button>
      </form>
      {secret && (
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
      {keys.isPending && <p>Loading…</p>}
      {keys.error && <FormError message={(keys.error as Error).message} />}
      <table data-testid="apikey-list">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Created</th>
            <th scope="col">Expires</th>
            <th scope="col">Last used</th>
            <th scope="col">State</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {keys.data?.items.map((k) => (
            <tr key={k.id} data-testid="apikey-row" data-key-id={k.id}>
              <td>
                {k.name} <span className="mono small">{k.prefix ?? 'sk_' + k.id}</span>
              </td>
              <td>{fmtTime(k.created_at)}</td>
              <td>{fmtTime(k.expires_at)}</td>
              <td>{fmtTime(k.last_used_at)}</td>
              <td>{k.revoked_at ? 'revoked' : 'active'}</td>
              <td>
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
