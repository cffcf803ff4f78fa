import { useState, type FormEvent } from 'react';
import { useCreateTenant, useTenants } from '../api/hooks';
import { Field, FormError } from '../components/Field';
import { splitServerError } from '../forms/serverErrors';
import { hasErrors, validateTenant, type Errors } from '../forms/validation';
import { fmtTime } from './util';

export function Tenants({ canCreate }: { canCreate: boolean }) {
  const tenants = useTenants();
  const create = useCreateTenant();
  const [name, setName] = useState('');
  const [errors, setErrors] = useState<Errors>({});
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
      {tenants.isPending && <p>Loading…</p>}
      {tenants.error && <FormError message={(tenants.error as Error).message} />}
      <table data-testid="tenant-list" className="stack">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Id</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {tenants.data?.items.map((t) => (
            <tr key={t.id} data-testid="tenant-row" data-tenant-id={t.id}>
              <td data-label="Name">
                <a href={`#/users/${t.id}`}>{t.name}</a>
              </td>
              <td data-label="Id" className="mono">{t.id}</td>
              <td data-label="Created">{fmtTime(t.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
