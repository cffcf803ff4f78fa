import { useState, type FormEvent } from 'react';
import { useChangePassword } from '../api/hooks';
import type { User } from '../api/types';
import { Field, FormError } from '../components/Field';
import { splitServerError } from '../forms/serverErrors';
import { hasErrors, validatePasswordChange, type Errors, type PasswordChangeInput } from '../forms/validation';

export function Account({ me }: { me: User }) {
  const [v, setV] = useState<PasswordChangeInput>({ old_password: '', new_password: '', confirm: '' });
  const [errors, setErrors] = useState<Errors>({});
  const change = useChangePassword();
  const server = splitServerError(change.error, ['old_password', 'new_password']);
  const e = { ...server.fieldErrors, ...errors };
  const set = (k: keyof PasswordChangeInput) => (x: { target: { value: string } }) => setV({ ...v, [k]: x.target.value });

  function submit(ev: FormEvent) {
    ev.preventDefault();
    const err = validatePasswordChange(v, me.email);
    setErrors(err);
    if (hasErrors(err)) return;
    change.mutate(
      { old_password: v.old_password, new_password: v.new_password },
      { onSuccess: () => setV({ old_password: '', new_password: '', confirm: '' }) },
    );
  }

  return (
    <section aria-labelledby="acct-h">
      <h1 id="acct-h">Your account</h1>
      <dl className="facts">
        <dt>Name</dt>
        <dd data-testid="me-name">{me.display_name}</dd>
        <dt>E-mail</dt>
        <dd>{me.email}</dd>
        <dt>Role</dt>
        <dd data-testid="me-role">{me.role}</dd>
        <dt>Tenant</dt>
        <dd>{me.tenant_id}</dd>
      </dl>
      <form onSubmit={submit} noValidate data-testid="password-form" aria-labelledby="pw-h">
        <h2 id="pw-h">Change password</h2>
        <Field label="Current password" type="password" autoComplete="current-password" value={v.old_password} onChange={set('old_password')} error={e.old_password} testid="pw-old" />
        <Field label="New password" type="password" autoComplete="new-password" value={v.new_password} onChange={set('new_password')} error={e.new_password} testid="pw-new" />
        <Field label="Repeat new password" type="password" autoComplete="new-password" value={v.confirm} onChange={set('confirm')} error={e.confirm} testid="pw-confirm" />
        <FormError message={server.formError} />
        {change.isSuccess && (
          <p role="status" className="ok" data-testid="pw-ok">
            Password changed. Your other sessions were signed out.
          </p>
        )}
        <button type="submit" disabled={change.isPending} data-testid="pw-submit">
          Change password
        </button>
      </form>
    </section>
  );
}
