// Client-side validation of the forms. It mirrors the server's policy
// (domain/identity/validate.go) so most mistakes are caught before a round
// trip; the server stays the authority and its 400 errors are shown next to
// the field they name.
import { ROLES } from '../api/types';

export type Errors = Partial<Record<string, string>>;

export const MIN_PASSWORD = 12;
export const MAX_PASSWORD = 128;
export const MAX_NAME = 100;

export function hasErrors(e: Errors): boolean {
  return Object.values(e).some(Boolean);
}

export function checkEmail(s: string): string | undefined {
  const v = s.trim();
  if (!v) return 'required';
  if (v.length > 254) return 'at most 254 characters';
  if (!/^[^\s@"(),:;<>[\]\\]+@[^\s@"(),:;<>[\]\\.]+(\.[^\s@"(),:;<>[\]\\.]+)+$/.test(v)) return 'not a valid e-mail address';
  return undefined;
}

export function checkName(s: string): string | undefined {
  const v = s.trim();
  if (!v) return 'required';
  if ([...v].length > MAX_NAME) return `at most ${MAX_NAME} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(v)) return 'must not contain control characters';
  return undefined;
}

export function checkPassword(pw: string, email = ''): string | undefined {
  const n = [...pw].length;
  if (n < MIN_PASSWORD) return `at least ${MIN_PASSWORD} characters`;
  if (n > MAX_PASSWORD) return `at most ${MAX_PASSWORD} characters`;
  const lp = pw.toLowerCase();
  const le = email.trim().toLowerCase();
  const at = le.lastIndexOf('@');
  if (at >= 0) {
    const local = le.slice(0, at);
    if ([...local].length >= 3 && lp.includes(local)) return 'must not contain the e-mail address';
  }
  return undefined;
}

function clean(e: Record<string, string | undefined>): Errors {
  const out: Errors = {};
  for (const [k, v] of Object.entries(e)) if (v) out[k] = v;
  return out;
}

export interface LoginInput {
  email: string;
  password: string;
}
export function validateLogin(v: LoginInput): Errors {
  return clean({ email: checkEmail(v.email), password: v.password ? undefined : 'required' });
}

export interface BootstrapInput {
  bootstrap_token: string;
  tenant_name: string;
  email: string;
  password: string;
  display_name: string;
}
export function validateBootstrap(v: BootstrapInput): Errors {
  return clean({
    bootstrap_token: v.bootstrap_token.trim() ? undefined : 'required',
    tenant_name: checkName(v.tenant_name),
    email: checkEmail(v.email),
    password: checkPassword(v.password, v.email),
    display_name: checkName(v.display_name),
  });
}

export interface PasswordChangeInput {
  old_password: string;
  new_password: string;
  confirm: string;
}
export function validatePasswordChange(v: PasswordChangeInput, email = ''): Errors {
  return clean({
    old_password: v.old_password ? undefined : 'required',
    new_password:
      checkPassword(v.new_password, email) ??
      (v.new_password === v.old_password ? 'must differ from the old password' : undefined),
    confirm: v.confirm === v.new_password ? undefined : 'does not match the new password',
  });
}

export function validateTenant(v: { name: string }): Errors {
  return clean({ name: checkName(v.name) });
}

export interface UserCreateInput {
  email: string;
  password: string;
  display_name: string;
  role: string;
}
export function validateUserCreate(v: UserCreateInput, actorRole?: string): Errors {
  let role: string | undefined;
  if (!(ROLES as string[]).includes(v.role)) role = 'choose a role';
  else if (v.role === 'platform_admin' && actorRole !== 'platform_admin') role = 'only a platform admin can grant platform_admin';
  return clean({
    email: checkEmail(v.email),
    password: checkPassword(v.password, v.email),
    display_name: checkName(v.display_name),
    role,
  });
}

export interface ApiKeyCreateInput {
  name: string;
  /** value of a datetime-local input, or '' */
  expires_at: string;
}
export function validateApiKey(v: ApiKeyCreateInput, now: Date = new Date()): Errors {
  let expires: string | undefined;
  if (v.expires_at) {
    const t = new Date(v.expires_at);
    if (isNaN(t.getTime())) expires = 'not a valid date';
    else if (t.getTime() <= now.getTime()) expires = 'must be in the future';
  }
  return clean({ name: checkName(v.name), expires_at: expires });
}
