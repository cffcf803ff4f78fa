import { useState, type FormEvent } from 'react';
import { useBootstrap } from '../api/hooks';
import { Field, FormError } from '../components/Field';
import { splitServerError } from '../forms/serverErrors';
import { hasErrors, validateBootstrap, type BootstrapInput, type Errors } from '../forms/validation';

const FIELDS = ['bootstrap_token', 'tenant_name', 'email', 'password', 'display_name'] as const;

export function Bootstrap() {
  const [v, setV] = useState<BootstrapInput>({ bootstrap_token: '', tenant_name: '', email: '', password: '', display_name: '' });
  const [errors, setErrors] = useState<Errors>({});
  const boot = useBootstrap();
  const server = splitServerError(boot.error, FIELDS);
  const status = (boot.error as { status?: number } | null)?.status;
  // a wrong token is a 401 (or 403 when bootstrap is disabled): it is the token field's error
  if (status === 401) server.fieldErrors.bootstrap_token = 'this is not the bootstrap token: copy it again from the file';
  if (status === 403) server.fieldErrors.bootstrap_token = 'bootstrap is disabled on this server';
  if (status === 401 || status === 403) server.formError = undefined;
  const e = { ...server.fieldErrors, ...errors };
  const set = (k: keyof BootstrapInput) => (x: { target: { value: string } }) => setV({ ...v, [k]: x.target.value });

  function submit(ev: FormEvent) {
    ev.preventDefault();
    const err = validateBootstrap(v);
    setErrors(err);
    if (!hasErrors(err)) boot.mutate(v);
  }

  return (
    <main className="auth">
      <h1>SkyLedger</h1>
      <form onSubmit={submit} noValidate data-testid="bootstrap-form" aria-labelledby="boot-h">
        <h2 id="boot-h">First run: create the platform</h2>
        <p className="hint" data-testid="bootstrap-hint">
          Once only. The local runtime writes the one-time token into <code>&lt;data-dir&gt;/bootstrap-token</code> (by default{' '}
          <code>.data/bootstrap-token</code>: <code>cat .data/bootstrap-token</code>) unless <code>SKYLEDGER_BOOTSTRAP_TOKEN</code> fixes it; in AWS it is the
          stack&apos;s bootstrap secret in Secrets Manager.
        </p>
        <Field label="Bootstrap token" type="password" autoComplete="off" value={v.bootstrap_token} onChange={set('bootstrap_token')} error={e.bootstrap_token} testid="bootstrap-token" />
        <Field label="Platform tenant name" value={v.tenant_name} onChange={set('tenant_name')} error={e.tenant_name} testid="bootstrap-tenant" />
        <Field label="Your e-mail" type="email" autoComplete="username" value={v.email} onChange={set('email')} error={e.email} testid="bootstrap-email" />
        <Field label="Your display name" autoComplete="name" value={v.display_name} onChange={set('display_name')} error={e.display_name} testid="bootstrap-name" />
        <Field label="Password (at least 12 characters)" type="password" autoComplete="new-password" value={v.password} onChange={set('password')} error={e.password} testid="bootstrap-password" />
        <FormError message={boot.error && (boot.error as { status?: number }).status === 409 ? 'The platform is already bootstrapped: sign in instead.' : server.formError} testid="bootstrap-error" />
        <button type="submit" disabled={boot.isPending} data-testid="bootstrap-submit">
          {boot.isPending ? 'Creating…' : 'Create platform'}
        </button>
      </form>
      <p>
        <a href="#/">Back to sign in</a>
      </p>
    </main>
  );
}
