import { describe, expect, it } from 'vitest';
import { checkEmail, checkPassword, validateApiKey, validateBootstrap, validateLogin, validatePasswordChange, validateTenant, validateUserCreate } from './validation';

describe('checkEmail', () => {
  it.each([
    { name: 'plain', v: 'ops@acme.aero', want: undefined },
    { name: 'trimmed', v: '  ops@acme.aero ', want: undefined },
    { name: 'empty', v: '  ', want: 'required' },
    { name: 'no at', v: 'ops.acme.aero', want: 'not a valid e-mail address' },
    { name: 'no dot in host', v: 'ops@localhost', want: 'not a valid e-mail address' },
    { name: 'display name', v: 'Ops <ops@acme.aero>', want: 'not a valid e-mail address' },
    { name: 'space', v: 'o ps@acme.aero', want: 'not a valid e-mail address' },
  ])('$name', ({ v, want }) => expect(checkEmail(v)).toBe(want));
});

describe('checkPassword (mirrors domain/identity.ValidatePassword)', () => {
  it.each([
    { name: 'long enough', pw: 'correct horse battery', email: 'ops@acme.aero', want: undefined },
    { name: '11 characters', pw: 'abcdefghijk', email: '', want: 'at least 12 characters' },
    { name: '12 characters', pw: 'abcdefghijkl', email: '', want: undefined },
    { name: 'counts runes, not UTF-16 units', pw: '😀😀😀😀😀😀😀😀😀😀😀', email: '', want: 'at least 12 characters' },
    { name: 'too long', pw: 'x'.repeat(129), email: '', want: 'at most 128 characters' },
    { name: 'contains the local part', pw: 'my-Pilot7-secret', email: 'pilot7@acme.aero', want: 'must not contain the e-mail address' },
    { name: 'short local part is not searched', pw: 'abababababab', email: 'ab@acme.aero', want: undefined },
  ])('$name', ({ pw, email, want }) => expect(checkPassword(pw, email)).toBe(want));
});

describe('form validators', () => {
  it('login needs both fields', () => {
    expect(validateLogin({ email: '', password: '' })).toEqual({ email: 'required', password: 'required' });
    expect(validateLogin({ email: 'a@b.co', password: 'x' })).toEqual({});
  });

  it('bootstrap names every bad field', () => {
    expect(validateBootstrap({ bootstrap_token: ' ', tenant_name: '', email: 'x', password: 'short', display_name: 'A\u0007' })).toEqual({
      bootstrap_token: 'required',
      tenant_name: 'required',
      email: 'not a valid e-mail address',
      password: 'at least 12 characters',
      display_name: 'must not contain control characters',
    });
    expect(validateBootstrap({ bootstrap_token: 't', tenant_name: 'Platform', email: 'root@sky.aero', password: 'long enough secret', display_name: 'Root' })).toEqual({});
  });

  it('password change: policy, difference and confirmation', () => {
    expect(validatePasswordChange({ old_password: '', new_password: 'same old secret', confirm: 'different' })).toEqual({
      old_password: 'required',
      confirm: 'does not match the new password',
    });
    expect(validatePasswordChange({ old_password: 'same old secret', new_password: 'same old secret', confirm: 'same old secret' })).toEqual({
      new_password: 'must differ from the old password',
    });
  });

  it('tenant name length', () => {
    expect(validateTenant({ name: 'x'.repeat(101) })).toEqual({ name: 'at most 100 characters' });
    expect(validateTenant({ name: 'Acme Flight School' })).toEqual({});
  });

  it('user create: only a platform admin may grant platform_admin', () => {
    const v = { email: 'p@acme.aero', password: 'long enough secret', display_name: 'P', role: 'platform_admin' };
    expect(validateUserCreate(v, 'tenant_admin')).toEqual({ role: 'only a platform admin can grant platform_admin' });
    expect(validateUserCreate(v, 'platform_admin')).toEqual({});
    expect(validateUserCreate({ ...v, role: 'captain' }, 'platform_admin')).toEqual({ role: 'choose a role' });
  });

  it('api key: name required, expiry in the future', () => {
    const now = new Date('2026-11-26T12:00:00Z');
    expect(validateApiKey({ name: '', expires_at: '' }, now)).toEqual({ name: 'required' });
    expect(validateApiKey({ name: 'ci', expires_at: '2020-01-01T00:00' }, now)).toEqual({ expires_at: 'must be in the future' });
    expect(validateApiKey({ name: 'ci', expires_at: 'garbage' }, now)).toEqual({ expires_at: 'not a valid date' });
    expect(validateApiKey({ name: 'ci', expires_at: '2030-01-01T00:00' }, now)).toEqual({});
  });
});
