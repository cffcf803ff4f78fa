import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { User } from '../api/types';
import { setSession } from '../session';
import { channelsFor } from '../ws/WsProvider';
import { ApiKeys } from './ApiKeys';
import { Users } from './Users';
import { server, wrap } from '../test/harness';

afterEach(() => {
  cleanup();
  setSession(null);
});

const admin: User = { id: 'A', tenant_id: 'T', email: 'ops@acme.aero', display_name: 'Ops', role: 'tenant_admin', status: 'active', created_at: '', version: 1 };
const pilot: User = { id: 'P', tenant_id: 'T', email: 'pat@acme.aero', display_name: 'Pat', role: 'pilot', status: 'active', created_at: '', version: 4 };

describe('users screen', () => {
  it('changes a role with If-Match and shows the server answer in the list', async () => {
    setSession({ key: 'sk_a' });
    const calls = server((m, url, body) => {
      if (m === 'GET' && url.startsWith('/api/tenants/T/users')) return { status: 200, body: { items: [admin, pilot] } };
      if (m === 'PATCH' && url === '/api/users/P') return { status: 200, body: { ...pilot, role: (body as { role: string }).role, version: 5 } };
      return { status: 404, body: { error: { code: 'not_found', message: 'nope' } } };
    });
    const u = userEvent.setup();
    wrap(<Users me={admin} />);
    const row = (await screen.findAllByTestId('user-row')).find((r) => r.dataset.email === 'pat@acme.aero')!;
    // a tenant admin cannot grant platform_admin: not offered
    expect(within(row).queryByRole('option', { name: 'platform_admin' })).toBeNull();
    await u.selectOptions(within(row).getByTestId('user-role-select'), 'viewer');
    await u.click(within(row).getByTestId('user-role-save'));
    await vi.waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true));
    const patch = calls.find((c) => c.method === 'PATCH')!;
    expect(patch.body).toEqual({ role: 'viewer' });
    expect(patch.headers['If-Match']).toBe('"4"');
    await vi.waitFor(() => expect((within(row).getByTestId('user-role-select') as HTMLSelectElement).value).toBe('viewer'));
    // one cannot deactivate oneself
    const self = (await screen.findAllByTestId('user-row')).find((r) => r.dataset.email === 'ops@acme.aero')!;
    expect((within(self).getByTestId('user-deactivate') as HTMLButtonElement).disabled).toBe(true);
  });

  it('creates a user; a server 400 naming the e-mail shows next to it', async () => {
    setSession({ key: 'sk_a' });
    server((m, url) => {
      if (m === 'GET') return { status: 200, body: { items: [admin] } };
      if (m === 'POST' && url === '/api/tenants/T/users') return { status: 409, body: { error: { code: 'conflict', message: 'e-mail already registered', details: { field: 'email' } } } };
      return { status: 404 };
    });
    const u = userEvent.setup();
    wrap(<Users me={admin} />);
    await u.type(screen.getByTestId('user-email'), 'pat@acme.aero');
    await u.type(screen.getByTestId('user-name'), 'Pat');
    await u.type(screen.getByTestId('user-password'), 'long enough secret');
    await u.click(screen.getByTestId('user-submit'));
    expect((await screen.findByTestId('user-email-error')).textContent).toBe('e-mail already registered');
  });
});

describe('API keys screen', () => {
  it('shows the secret once with a copy button, never in the list', async () => {
    setSession({ key: 'sk_a' });
    const key = { id: 'K2', name: 'ci', owner_id: 'A', tenant_id: 'T', created_at: '2026-11-26T10:00:00Z', expires_at: null, last_used_at: null, revoked_at: null };
    server((m, url) => {
      if (m === 'GET' && url.startsWith('/api/apikeys')) return { status: 200, body: { items: [] } };
      if (m === 'POST' && url === '/api/apikeys') return { status: 201, body: { ...key, key: 'sk_K2_s3cret' } };
      return { status: 404 };
    });
    const u = userEvent.setup();
    wrap(<ApiKeys />);
    await u.type(screen.getByTestId('apikey-name'), 'ci');
    await u.click(screen.getByTestId('apikey-submit'));
    expect(((await screen.findByTestId('apikey-secret')) as HTMLInputElement).value).toBe('sk_K2_s3cret');
    const list = await screen.findByTestId('apikey-list');
    await within(list).findByText('ci', { exact: false });
    expect(list.textContent).not.toContain('s3cret');
    await u.click(screen.getByTestId('apikey-copy'));
    expect(await navigator.clipboard.readText()).toBe('sk_K2_s3cret'); // user-event's clipboard stub
    expect(screen.getByTestId('apikey-copy').textContent).toBe('Copied');
    await u.click(screen.getByTestId('apikey-dismiss'));
    await vi.waitFor(() => expect(screen.queryByTestId('apikey-secret')).toBeNull());
  });
});

describe('channelsFor', () => {
  it.each([
    { name: 'pilot', role: 'pilot' as const, want: ['tenant:T:pireps'] },
    { name: 'platform admin', role: 'platform_admin' as const, want: ['tenant:T:pireps', 'platform:tenants'] },
  ])('$name', ({ role, want }) => expect(channelsFor({ id: 'U', tenant_id: 'T', role })).toEqual(want));
});
