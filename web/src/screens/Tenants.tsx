import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { useCreateTenant, usePatchTenant, useTenants } from '../api/hooks';
import type { Tenant } from '../api/types';
import { Field, FormError } from '../components/Field';
import { ActionsHeader, QueryState } from '../components/Table';
import { useModal } from '../components/useModal';
import { splitServerError } from '../forms/serverErrors';
import { hasErrors, validateTenant, type Errors } from '../forms/validation';
import { fmtTime } from './util';

type Action = { kind: 'rename' | 'suspend' | 'reactivate'; tenant: Tenant };

export function Tenants({ canCreate }: { canCreate: boolean }) {
  const tenants = useTenants();
  const create = useCreateTenant();
  const [name, setName] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [action, setAction] = useState<Action | null>(null);
  const [done, setDone] = useState('');
  const server = splitServerError(create.error, ['name']);
  const e = { ...server.fieldErrors, ...errors };
  const taken = name.trim() !== '' && tenants.data?.items.some((t) => t.name.trim().toLowerCase() === name.trim().toLowerCase());

  function submit(ev: FormEvent) {
    ev.preventDefault();
    const err = validateTenant({ name });
    setErrors(err);
    if (!hasErrors(err)) create.mutate({ name }, { onSuccess: () => setName('') });
  }

  return (
    <section aria-labelledby="ten-h">
      <h1 id="ten-h">Tenants</h1>
      {canCreate && (
        <form onSubmit={submit} noValidate className="inline" data-testid="tenant-form" aria-label="Create tenant">
          <Field
            label="New tenant name"
            value={name}
            onChange={(x) => setName(x.target.value)}
            error={e.name}
            hint={taken ? <span className="warn" data-testid="tenant-name-taken">⚠ A tenant with this name already exists.</span> : undefined}
            testid="tenant-name"
          />
          <button type="submit" disabled={create.isPending} data-testid="tenant-submit">
            {taken ? 'Create another with this name' : 'Create tenant'}
          </button>
          <FormError message={server.formError} />
        </form>
      )}
      <QueryState q={tenants} />
      {done && (
        <p role="status" className="ok" data-testid="tenant-ok">
          {done}
        </p>
      )}
      <table data-testid="tenant-list" className="stack">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            <th scope="col">Id</th>
            <th scope="col">Created</th>
            {canCreate && (
              <ActionsHeader />
            )}
          </tr>
        </thead>
        <tbody>
          {tenants.data?.items.map((t) => {
            const suspended = t.status === 'suspended';
            return (
              <tr key={t.id} data-testid="tenant-row" data-tenant-id={t.id} data-tenant-name={t.name} data-status={t.status ?? 'active'}>
                <td data-label="Name">
                  <a href={`#/users/${t.id}`}>{t.name}</a> {t.platform && <span className="badge">platform</span>}
                </td>
                <td data-label="Status">
                  <span className={'badge ' + (suspended ? 'suspended' : 'active')} data-testid="tenant-status">
                    {suspended ? 'suspended' : 'active'}
                  </span>
                </td>
                <td data-label="Id" className="mono">
                  {t.id}
                </td>
                <td data-label="Created">{fmtTime(t.created_at)}</td>
                {canCreate && (
                  <td data-label="Actions">
                    <div className="row">
                      <button type="button" className="secondary" onClick={() => (setDone(''), setAction({ kind: 'rename', tenant: t }))} data-testid="tenant-rename" aria-label={`Rename ${t.name}`}>
                        Rename
                      </button>
                      {suspended ? (
                        <button type="button" onClick={() => (setDone(''), setAction({ kind: 'reactivate', tenant: t }))} data-testid="tenant-reactivate" aria-label={`Reactivate ${t.name}`}>
                          Reactivate
                        </button>
                      ) : (
                        <button type="button" className="danger" onClick={() => (setDone(''), setAction({ kind: 'suspend', tenant: t }))} data-testid="tenant-suspend" aria-label={`Suspend ${t.name}`}>
                          Suspend
                        </button>
                      )}
                    </div>
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
      {action && (
        <TenantDialog
          key={action.kind + action.tenant.id}
          action={action}
          onClose={(msg) => {
            setAction(null);
            if (msg) setDone(msg);
          }}
        />
      )}
    </section>
  );
}

/** tenantErrorMessage words the answers a platform admin can meet. */
function tenantErrorMessage(err: unknown, tenant: Tenant): string | undefined {
  if (!err) return undefined;
  if (err instanceof ApiError) {
    if (err.status === 409 && tenant.platform) return 'The platform tenant cannot be suspended: its admins run the platform.';
    if (err.status === 412) return 'The tenant changed meanwhile; the list is refreshed. Try again.';
  }
  return (err as Error).message;
}

function TenantDialog({ action, onClose }: { action: Action; onClose: (done?: string) => void }) {
  const ref = useModal();
  const patch = usePatchTenant();
  const t = action.tenant;
  const [name, setName] = useState(t.name);
  const [err, setErr] = useState<string>();

  function submit(e: FormEvent) {
    e.preventDefault();
    if (action.kind === 'rename') {
      const v = validateTenant({ name });
      if (hasErrors(v)) {
        setErr(v.name);
        return;
      }
      if (name.trim() === t.name) {
        onClose();
        return;
      }
      patch.mutate({ tenant: t, name }, { onSuccess: () => onClose(`Renamed to ${name.trim()}.`) });
    } else {
      const status = action.kind === 'suspend' ? 'suspended' : 'active';
      patch.mutate({ tenant: t, status }, { onSuccess: () => onClose(action.kind === 'suspend' ? `${t.name} suspended.` : `${t.name} reactivated.`) });
    }
  }

  const title = action.kind === 'rename' ? `Rename ${t.name}` : action.kind === 'suspend' ? `Suspend ${t.name}?` : `Reactivate ${t.name}?`;
  return (
    <dialog ref={ref} aria-labelledby="tenant-dlg-h" onCancel={() => onClose()} data-testid="tenant-dialog">
      <form onSubmit={submit} noValidate>
        <h2 id="tenant-dlg-h">{title}</h2>
        {action.kind === 'rename' && <Field label="Tenant name" value={name} onChange={(e) => setName(e.target.value)} error={err} testid="tenant-rename-name" autoFocus />}
        {action.kind === 'suspend' && (
          <p className="hint">
            Its users and API keys are refused at once (403) and their live connections are closed. Nothing is deleted; reactivating restores access.
          </p>
        )}
        {action.kind === 'reactivate' && <p className="hint">Its users and API keys can work again with the same credentials.</p>}
        <FormError message={tenantErrorMessage(patch.error, t)} testid="tenant-error" />
        <div className="row">
          <button type="submit" className={action.kind === 'suspend' ? 'danger' : undefined} disabled={patch.isPending} data-testid="tenant-confirm">
            {action.kind === 'rename' ? 'Rename' : action.kind === 'suspend' ? 'Suspend' : 'Reactivate'}
          </button>
          <button type="button" className="secondary" onClick={() => onClose()} data-testid="tenant-cancel">
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
