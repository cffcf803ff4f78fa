import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { User } from '../api/types';
import { setSession } from '../session';
import { server, wrap } from '../test/harness';
import { Users } from './Users';

const me: User = { id: 'A', tenant_id: 'T', email: 'ops@acme.aero', display_name: 'Ops', role: 'tenant_admin', status: 'active', created_at: '2026-11-26T00:00:00Z', version: 1 };
const active: User = { id: 'P', tenant_id: 'T', email: 'pat@acme.aero', display_name: 'Pat', role: 'pilot', status: 'active', created_at: '2026-11-26T00:00:00Z', version: 2 };
const deactivated: User = { ...active, id: 'D', email: 'dee@acme.aero', display_name: 'Dee', status: 'deactivated', version: 3 };
const erased: User = { ...active, id: 'E', email: '[erased]', display_name: '[erased]', status: 'erased', version: 4 };

beforeEach(() => {
  sessionStorage.clear();
  localStorage.clear();
  history.replaceState(null, '', '/#/users');
  setSession({ key: 'sk_a' });
});
afterEach(() => cleanup());

const rowOf = async (id: string) => (await screen.findAllByTestId('user-row')).find((r) => r.dataset.userId === id)!;

describe('Erase', () => {
  it('is offered only for deactivated users, never for oneself', async () => {
    server(() => ({ status: 200, body: { items: [me, active, deactivated, erased] } }));
    wrap(<Users me={me} />);
    expect(within(await rowOf('D')).queryByTestId('user-erase')).not.toBeNull();
    for (const id of ['A', 'P', 'E']) expect(within(await rowOf(id)).queryByTestId('user-erase'), id).toBeNull();
    expect(within(await rowOf('E')).queryByTestId('user-reactivate'), 'an erased user cannot be reactivated').toBeNull();
    expect(within(await rowOf('E')).getByTestId('user-status').textContent).toBe('erased');
  });

  it('asks first; confirmed, it posts with If-Match and shows the erased user', async () => {
    const calls = server((m) =>
      m === 'POST' ? { status: 200, body: { ...deactivated, email: '[erased]', display_name: '[erased]', status: 'erased', version: 4 } } : { status: 200, body: { items: [me, deactivated] } },
    );
    const confirm = vi.fn(() => false);
    window.confirm = confirm;
    const u = userEvent.setup();
    wrap(<Users me={me} />);
    await u.click(within(await rowOf('D')).getByTestId('user-erase'));
    expect(confirm).toHaveBeenCalledWith(expect.stringContaining('cannot be undone'));
    expect(calls.some((c) => c.method === 'POST')).toBe(false);

    confirm.mockReturnValue(true);
    await u.click(within(await rowOf('D')).getByTestId('user-erase'));
    await vi.waitFor(async () => expect(within(await rowOf('D')).getByTestId('user-status').textContent).toBe('erased'));
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.url).toBe('/api/users/D/erase');
    expect(post.headers['If-Match']).toBe('"3"');
    expect((await rowOf('D')).dataset.email).toBe('[erased]');
    expect(within(await rowOf('D')).queryByTestId('user-erase')).toBeNull();
  });

  it('shows the server refusal', async () => {
    server((m) =>
      m === 'POST' ? { status: 409, body: { error: { code: 'conflict', message: 'the user must be deactivated before it is erased: conflict' } } } : { status: 200, body: { items: [me, deactivated] } },
    );
    window.confirm = vi.fn(() => true);
    const u = userEvent.setup();
    wrap(<Users me={me} />);
    await u.click(within(await rowOf('D')).getByTestId('user-erase'));
    expect((await within(await rowOf('D')).findByRole('alert')).textContent).toContain('must be deactivated');
  });
});
