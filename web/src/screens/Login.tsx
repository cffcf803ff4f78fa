import { useState, type FormEvent } from 'react';
import { useBootstrapState, useLogin } from '../api/hooks';
import { knownBootstrapped } from '../session';
import { Field, FormError } from '../components/Field';
import { splitServerError } from '../forms/serverErrors';
import { hasErrors, validateLogin, type Errors } from '../forms/validation';

export function Login() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const login = useLogin();
  // The link is for a platform that does not exist yet: hidden once the
  // server (or this browser's history) says it does.
  const boot = useBootstrapState();
  const server = splitServerError(login.error, ['email', 'password']);
  const e = { ...server.fieldErrors, ...errors };

  function submit(ev: FormEvent) {
    ev.preventDefault();
    const v = validateLogin({ email, password });
    setErrors(v);
    if (!hasErrors(v)) login.mutate({ email, password });
  }

  return (
    <main className="auth">
      <h1>SkyLedger</h1>
      <form onSubmit={submit} noValidate data-testid="login-form" aria-labelledby="login-h">
        <h2 id="login-h">Sign in</h2>
        <Field label="E-mail" type="email" autoComplete="username" value={email} onChange={(x) => setEmail(x.target.value)} error={e.email} testid="login-email" />
        <Field label="Password" type="password" autoComplete="current-password" value={password} onChange={(x) => setPassword(x.target.value)} error={e.password} testid="login-password" />
        <FormError message={server.formError} testid="login-error" />
        <button type="submit" disabled={login.isPending} data-testid="login-submit">
          {login.isPending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {!knownBootstrapped() && boot.data?.bootstrapped !== true && (
        <p>
          First run? <a href="#/bootstrap" data-testid="goto-bootstrap">Bootstrap the platform</a>
        </p>
      )}
    </main>
  );
}
