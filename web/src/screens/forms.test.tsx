import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setFetch } from '../api/client';
import { getSession, setSession } from '../session';
import { Bootstrap } from './Bootstrap';
import { Login } from './Login';
import { PirepSubmit } from './PirepSubmit';
import { wrap } from '../test/harness';

/** answer makes every API request get status and body; it returns the mock. */
function answer(status: number, body: unknown) {
  const f = vi.fn(async (_url: RequestInfo | URL, _init?: RequestInit) => new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }));
  setFetch(f as unknown as typeof globalThis.fetch);
  return f;
}

/** fillBootstrap fills the bootstrap form with valid values and submits it. */
async function fillBootstrap(u: ReturnType<typeof userEvent.setup>) {
  await u.type(screen.getByTestId('bootstrap-token'), 'tok');
  await u.type(screen.getByTestId('bootstrap-tenant'), 'Platform');
  await u.type(screen.getByTestId('bootstrap-email'), 'root@sky.aero');
  await u.type(screen.getByTestId('bootstrap-name'), 'Root');
  await u.type(screen.getByTestId('bootstrap-password'), 'long enough secret');
  await u.click(screen.getByTestId('bootstrap-submit'));
}

beforeEach(() => sessionStorage.clear());
afterEach(() => {
  cleanup();
  setSession(null);
});

describe('PIREP submit form', () => {
  it('raw mode: the server error is shown at the element it names', async () => {
    setSession({ key: 'sk_1_x' });
    const fetch = answer(400, { error: { code: 'validation', message: 'raw: /TB at byte 47: unknown turbulence intensity "SEVX"', details: { field: 'raw' } } });
    const u = userEvent.setup();
    wrap(<PirepSubmit />);
    await u.click(screen.getByTestId('mode-raw'));
    await u.type(screen.getByTestId('pirep-raw'), 'PUB UA /OV PUB 243022/TM 0010/FL160/TP COL4/TB SEVX');
    await u.click(screen.getByTestId('pirep-submit'));
    const bad = await screen.findByText(/unknown turbulence intensity/);
    const el = bad.closest('[data-testid="pirep-element"]') as HTMLElement;
    expect(el.dataset.key).toBe('TB');
    expect(within(el).getByText('/TB SEVX')).toBeTruthy();
    const [url, init] = fetch.mock.calls[0];
    expect(url).toBe('/api/pireps');
    expect(JSON.parse(init!.body as string)).toEqual({ raw: 'PUB UA /OV PUB 243022/TM 0010/FL160/TP COL4/TB SEVX' });
    expect((init!.headers as Record<string, string>).Authorization).toBe('Bearer sk_1_x');
  });

  it('raw mode: a client-side error points at the element before any request', async () => {
    const fetch = answer(201, {});
    const u = userEvent.setup();
    wrap(<PirepSubmit />);
    await u.click(screen.getByTestId('mode-raw'));
    await u.type(screen.getByTestId('pirep-raw'), 'PUB UA /OV PUB/TM 2599/FL160/TP COL4/TB SEV');
    await u.click(screen.getByTestId('pirep-submit'));
    const tm = screen.getAllByTestId('pirep-element').find((e) => e.dataset.key === 'TM')!;
    expect(tm.dataset.bad).toBe('true');
    expect(within(tm).getByText(/HHMM/)).toBeTruthy();
    expect(fetch).not.toHaveBeenCalled();
  });

  it('structured mode: the server error goes next to the field it names', async () => {
    answer(400, { error: { code: 'validation', message: 'raw: /FL at byte 30: above FL600', details: { field: 'raw' } } });
    const u = userEvent.setup();
    wrap(<PirepSubmit />);
    await u.type(screen.getByTestId('pirep-station'), 'PUB');
    await u.type(screen.getByTestId('pirep-ov'), 'PUB 243022');
    expect((screen.getByTestId('pirep-tm') as HTMLInputElement).value).toMatch(/^([01]\d|2[0-3])[0-5]\d$/); // pre-filled with the UTC time
    await u.clear(screen.getByTestId('pirep-tm'));
    await u.type(screen.getByTestId('pirep-tm'), '0010');
    await u.type(screen.getByTestId('pirep-fl'), '999');
    await u.type(screen.getByTestId('pirep-tp'), 'COL4');
    await u.selectOptions(screen.getByTestId('pirep-tb'), 'SEV');
    expect(screen.getByTestId('pirep-preview').textContent).toBe('PUB UA /OV PUB 243022/TM 0010/FL999/TP COL4/TB SEV');
    await u.click(screen.getByTestId('pirep-submit'));
    expect((await screen.findByTestId('pirep-fl-error')).textContent).toBe('above FL600 (at character 31)');
    expect(screen.getByTestId('pirep-fl').getAttribute('aria-invalid')).toBe('true');
  });
});

describe('bootstrap form', () => {
  it('shows client errors per field and the server error next to the field it names', async () => {
    const fetch = answer(400, { error: { code: 'validation', message: 'email: already taken', details: { field: 'email' } } });
    const u = userEvent.setup();
    wrap(<Bootstrap />);
    await u.click(screen.getByTestId('bootstrap-submit'));
    expect(screen.getByTestId('bootstrap-token-error').textContent).toBe('required');
    expect(screen.getByTestId('bootstrap-password-error').textContent).toBe('at least 12 characters');
    expect(fetch).not.toHaveBeenCalled();

    await fillBootstrap(u);
    expect((await screen.findByTestId('bootstrap-email-error')).textContent).toBe('already taken');
    expect(getSession()).toBeNull();
  });

  it('signs in with the returned key on success', async () => {
    answer(201, { tenant: { id: 'T' }, user: { id: 'U', role: 'platform_admin' }, api_key: { id: 'K', key: 'sk_K_secret' } });
    const u = userEvent.setup();
    wrap(<Bootstrap />);
    await fillBootstrap(u);
    await vi.waitFor(() => expect(getSession()?.key).toBe('sk_K_secret'));
  });
});

describe('a 401 anywhere', () => {
  it('clears the session (back to login)', async () => {
    setSession({ key: 'sk_old' });
    answer(401, { error: { code: 'unauthenticated', message: 'missing or invalid credentials' } });
    const u = userEvent.setup();
    wrap(<PirepSubmit />);
    await u.click(screen.getByTestId('mode-raw'));
    await u.type(screen.getByTestId('pirep-raw'), 'PUB UA /OV PUB/TM 0010/FL160/TP COL4/TB SEV');
    await u.click(screen.getByTestId('pirep-submit'));
    await vi.waitFor(() => expect(getSession()).toBeNull());
  });
});

describe('an authorizer denial (gateway 403)', () => {
  it('clears the session, a handler 403 does not', async () => {
    const { api } = await import('../api/client');
    setSession({ key: 'sk_a' });
    answer(403, { error: { code: 'forbidden', message: 'pilots cannot create users' } });
    await expect(api('/api/tenants/T/users', { method: 'POST', body: {} })).rejects.toMatchObject({ status: 403, authFailure: false });
    expect(getSession()?.key).toBe('sk_a');
    answer(403, { message: 'Forbidden', error: { code: 'forbidden', message: 'Forbidden' } });
    await expect(api('/api/ws/ticket', { method: 'POST', body: {} })).rejects.toMatchObject({ status: 403, authFailure: true });
    expect(getSession()).toBeNull();
  });
});

describe('bootstrap returning a browser session', () => {
  it('signs in with the session and shows the API key once, elsewhere', async () => {
    const { takeOneTimeSecret } = await import('../session');
    answer(201, { tenant: { id: 'T' }, user: { id: 'U' }, api_key: { id: 'K', key: 'sk_K_apikey' }, session: { key: 'sk_S_session', expires_at: '2026-12-02T12:00:00Z' } });
    const u = userEvent.setup();
    wrap(<Bootstrap />);
    await fillBootstrap(u);
    await vi.waitFor(() => expect(getSession()?.key).toBe('sk_S_session'));
    expect(takeOneTimeSecret()).toBe('sk_K_apikey');
    expect(takeOneTimeSecret()).toBeNull();
  });
});

describe('sign-in page', () => {
  beforeEach(() => localStorage.clear());

  it('offers the bootstrap link while the server says the platform does not exist', async () => {
    answer(200, { bootstrapped: false });
    wrap(<Login />);
    expect(await screen.findByTestId('goto-bootstrap')).toBeTruthy();
  });

  it('hides it once the server says the platform exists', async () => {
    const fetch = answer(200, { bootstrapped: true });
    wrap(<Login />);
    await vi.waitFor(() => expect(fetch).toHaveBeenCalledWith('/api/bootstrap', expect.anything()));
    await vi.waitFor(() => expect(screen.queryByTestId('goto-bootstrap')).toBeNull());
  });
});
