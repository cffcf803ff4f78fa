import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { logout } from '../api/hooks';
import type { Pirep, User } from '../api/types';
import { getSession, setSession } from '../session';
import { ApiKeys } from './ApiKeys';
import { Bootstrap } from './Bootstrap';
import { PirepSubmit } from './PirepSubmit';
import { Pireps } from './Pireps';
import { Users } from './Users';
import { server, wrap } from '../test/harness';

beforeEach(() => {
  sessionStorage.clear();
  localStorage.clear();
  history.replaceState(null, '', '/#/pireps');
});
afterEach(() => {
  cleanup();
  setSession(null);
});

const me: User = { id: 'A', tenant_id: 'T', email: 'ops@acme.aero', display_name: 'Ops', role: 'tenant_admin', status: 'active', created_at: '', version: 1 };
const pilotUser: User = { ...me, id: 'P', email: 'pat@acme.aero', display_name: 'Pat', role: 'pilot', version: 4 };
const iso = (minAgo: number) => new Date(Date.now() - minAgo * 60_000).toISOString();

const urgent: Pirep = {
  id: 'U1',
  tenant_id: 'T',
  submitted_by: 'P',
  received_at: iso(5),
  observed_at: iso(8),
  type: 'UUA',
  urgent: true,
  urgent_reasons: ['severe or extreme turbulence'],
  raw: 'PUB UUA /OV PUB 243022/TM 0010/FL160/TP COL4/TB SEV',
  version: 1,
  status: 'active',
  position: { lat: 38.1, lon: -104.9 },
  report: { station: 'PUB', type: 'UUA', location: { points: [{ fix: 'PUB', radial: 243, distance: 22 }] }, altitude: { level: 160 }, aircraft_type: 'COL4', turbulence: [{ intensity: 'SEV' }] },
  warnings: [{ element: '/IC', text: 'MOD UNKN', message: 'icing type not decoded; kept as text' }],
};
const routine: Pirep = {
  ...urgent,
  id: 'R1',
  type: 'UA',
  urgent: false,
  urgent_reasons: [],
  observed_at: iso(200),
  received_at: iso(20),
  raw: 'DEN UA /OV DEN/TM 0900/FL080/TP C172/SK BKN040/TA M02',
  position: null,
  report: { station: 'DEN', type: 'UA', location: { points: [{ fix: 'DEN' }] }, altitude: { level: 80 }, aircraft_type: 'C172', sky: [{ cover: 'BKN', base: 40 }], temperature: -2 },
  warnings: [],
};

describe('PIREP screen', () => {
  it('decodes reports, maps the located one, selects marker <-> row, retracts with confirmation', { timeout: 30_000 }, async () => {
    setSession({ key: 'sk_a' });
    const calls = server((m, url) => {
      if (m === 'GET' && url.startsWith('/api/pireps?')) return { status: 200, body: { items: [routine, urgent], next_cursor: null } };
      if (m === 'GET' && url.startsWith('/api/tenants/T/users')) return { status: 200, body: { items: [me, pilotUser] } };
      if (m === 'POST' && url === '/api/pireps/U1/retract') return { status: 200, body: { ...urgent, status: 'retracted', version: 2 } };
      return { status: 404, body: { error: { code: 'not_found', message: 'nope' } } };
    });
    const u = userEvent.setup();
    wrap(<Pireps me={me} query={new URLSearchParams()} />);
    const rows = await screen.findAllByTestId('pirep-item');
    // newest observation first
    expect(rows.map((r) => r.dataset.pirepId)).toEqual(['U1', 'R1']);
    const [ru, rr] = rows;
    expect(within(ru).getByTestId('pirep-urgent-reasons').textContent).toBe('Urgent: severe or extreme turbulence');
    expect(within(ru).getByTestId('pirep-turbulence').textContent).toBe('severe');
    expect(within(ru).getByTestId('pirep-location').textContent).toContain('22 NM WSW of PUB');
    expect(within(ru).getByTestId('pirep-warnings').textContent).toContain('/IC MOD UNKN');
    expect(ru.textContent).toContain('Pat'); // the submitter by name
    expect(within(rr).getByTestId('pirep-time-note').textContent).toContain('3 h before it was received');
    expect(rr.textContent).toContain('not on map');
    expect(rr.textContent).toContain('−2 °C'.replace('−', '-'));

    // the map (lazy chunk) has one marker: the located report
    const map = await screen.findByRole('region', { name: 'PIREP map' }, { timeout: 15_000 });
    const markers = await within(map).findAllByTestId('pirep-marker');
    expect(markers).toHaveLength(1);
    expect(markers[0].getAttribute('aria-label')).toMatch(/^PUB UUA urgent, severe turbulence/);
    await u.click(markers[0]);
    expect(ru.dataset.selected).toBe('true');
    await u.click(within(rr).getByTestId('pirep-select'));
    expect(rr.dataset.selected).toBe('true');
    expect(markers[0].getAttribute('aria-pressed')).toBe('false');

    // retract: a dialog asks for a reason first
    await u.click(within(ru).getByTestId('pirep-retract'));
    const dlg = await screen.findByTestId('retract-dialog');
    await u.click(within(dlg).getByTestId('retract-confirm'));
    expect(within(dlg).getByTestId('retract-reason-error').textContent).toMatch(/required/);
    expect(calls.some((c) => c.url.endsWith('/retract'))).toBe(false);
    await u.type(within(dlg).getByTestId('retract-reason'), 'wrong position');
    await u.click(within(dlg).getByTestId('retract-confirm'));
    await vi.waitFor(() => expect(screen.queryByTestId('retract-dialog')).toBeNull());
    const call = calls.find((c) => c.url.endsWith('/retract'))!;
    expect(call.body).toEqual({ reason: 'wrong position' });
    expect(call.headers['If-Match']).toBe('"1"');
    // gone from the table and the map at once
    await vi.waitFor(() => expect(screen.getAllByTestId('pirep-item').map((r) => r.dataset.pirepId)).toEqual(['R1']));
    expect(within(map).queryAllByTestId('pirep-marker')).toHaveLength(0);
  });

  it('filters go to the URL and to the API query', async () => {
    setSession({ key: 'sk_a' });
    const calls = server((m, url) => {
      if (m === 'GET' && url.startsWith('/api/pireps?')) return { status: 200, body: { items: [routine, urgent], next_cursor: null } };
      return { status: 200, body: { items: [] } };
    });
    const u = userEvent.setup();
    const view = wrap(<Pireps me={me} query={new URLSearchParams('urgent=1&window=3')} />);
    await screen.findAllByTestId('pirep-item');
    const q = new URLSearchParams(calls.find((c) => c.url.startsWith('/api/pireps?'))!.url.split('?')[1]);
    expect(q.get('urgent')).toBe('true');
    expect(q.get('from')).not.toBeNull();
    expect(screen.getAllByTestId('pirep-item').map((r) => r.dataset.pirepId)).toEqual(['U1']);
    await u.click(screen.getByTestId('filter-hazard-IC'));
    expect(location.hash).toBe('#/pireps?hazard=IC&window=3&urgent=1');
    // the hash is the source: re-render with what the URL now says
    view.rerender(
      <QueryClientProvider client={new QueryClient()}>
        <Pireps me={me} query={new URLSearchParams(location.hash.split('?')[1])} />
      </QueryClientProvider>,
    );
    await vi.waitFor(() => expect(screen.queryAllByTestId('pirep-item')).toHaveLength(0));
  });

  it('a platform admin picks the tenant; the platform tenant is explained', async () => {
    setSession({ key: 'sk_p' });
    const root: User = { ...me, id: 'R', tenant_id: 'PLAT', role: 'platform_admin' };
    const calls = server((_m, url) => {
      if (url.startsWith('/api/tenants?')) return { status: 200, body: { items: [{ id: 'PLAT', name: 'Platform', platform: true }, { id: 'ACME', name: 'Acme' }] } };
      if (url.startsWith('/api/pireps?')) return { status: 200, body: { items: [] } };
      return { status: 200, body: { items: [] } };
    });
    const u = userEvent.setup();
    wrap(<Pireps me={root} query={new URLSearchParams()} />);
    await vi.waitFor(() => expect(calls.some((c) => c.url.includes('tenant_id=ACME'))).toBe(true));
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('PIREPs — Acme');
    await u.selectOptions(screen.getByTestId('pireps-tenant'), 'PLAT');
    expect(location.hash).toBe('#/pireps?tenant=PLAT');
  });
});

describe('submit screen', () => {
  it('a viewer is told why there is no form', () => {
    wrap(<PirepSubmit me={{ ...me, role: 'viewer' }} />);
    expect(screen.getByTestId('submit-viewer').textContent).toMatch(/viewers .* cannot submit/);
    expect(screen.queryByTestId('pirep-form')).toBeNull();
  });

  it('pick lists compose the hazard elements; an unknown /OV fix is warned about', { timeout: 30_000 }, async () => {
    const u = userEvent.setup();
    wrap(<PirepSubmit me={pilotUser} />);
    await u.type(screen.getByTestId('pirep-station'), 'PUB');
    await u.type(screen.getByTestId('pirep-ov'), 'ZZQX 090010');
    await u.clear(screen.getByTestId('pirep-tm'));
    await u.type(screen.getByTestId('pirep-tm'), '1200');
    await u.type(screen.getByTestId('pirep-fl'), '090');
    await u.type(screen.getByTestId('pirep-tp'), 'C172');
    await u.selectOptions(screen.getByTestId('pirep-tb-freq'), 'OCNL');
    await u.selectOptions(screen.getByTestId('pirep-tb'), 'MOD');
    await u.selectOptions(screen.getByTestId('pirep-tb-type'), 'CHOP');
    await u.selectOptions(screen.getByTestId('pirep-ic'), 'LGT');
    await u.selectOptions(screen.getByTestId('pirep-ic-type'), 'RIME');
    await u.type(screen.getByTestId('pirep-ic-alt'), '080-100');
    expect(screen.getByTestId('pirep-preview').textContent).toBe('PUB UA /OV ZZQX 090010/TM 1200/FL090/TP C172/TB OCNL MOD CHOP/IC LGT RIME 080-100');
    expect((await screen.findByTestId('pirep-unknown-fix', {}, { timeout: 5000 })).textContent).toMatch(/ZZQX is not in the location table/);
    await u.clear(screen.getByTestId('pirep-ov'));
    await u.type(screen.getByTestId('pirep-ov'), 'PUB 243022');
    await vi.waitFor(() => expect(screen.queryByTestId('pirep-unknown-fix')).toBeNull(), { timeout: 5000 });
  });
});

describe('admin gaps', () => {
  it('an admin lists and revokes another user’s keys (owner_id)', async () => {
    setSession({ key: 'sk_a' });
    const key = { id: 'K9', name: 'efb', owner_id: 'P', tenant_id: 'T', created_at: '2026-11-26T10:00:00Z', expires_at: null, last_used_at: null, revoked_at: null };
    const calls = server((m, url) => {
      if (m === 'GET' && url.startsWith('/api/tenants/T/users')) return { status: 200, body: { items: [me, pilotUser] } };
      if (m === 'GET' && url === '/api/apikeys?limit=200&owner_id=P') return { status: 200, body: { items: [key] } };
      if (m === 'GET' && url.startsWith('/api/apikeys')) return { status: 200, body: { items: [] } };
      if (m === 'DELETE' && url === '/api/apikeys/K9') return { status: 200, body: { ...key, revoked_at: '2026-11-26T11:00:00Z' } };
      return { status: 404 };
    });
    window.confirm = vi.fn(() => true);
    const u = userEvent.setup();
    wrap(<ApiKeys me={me} />);
    await screen.findByRole('option', { name: /Pat/ });
    await u.selectOptions(screen.getByTestId('apikey-owner'), 'P');
    const row = await screen.findByTestId('apikey-row');
    expect(screen.queryByTestId('apikey-form')).toBeNull();
    await u.click(within(row).getByTestId('apikey-revoke'));
    await vi.waitFor(() => expect(within(row).getByTestId('apikey-state').textContent).toBe('revoked'));
    expect(calls.some((c) => c.method === 'DELETE' && c.url === '/api/apikeys/K9')).toBe(true);
  });

  it('deactivate asks first; a role change says it worked; a duplicate e-mail goes to its field', async () => {
    setSession({ key: 'sk_a' });
    const calls = server((m, _url, body) => {
      if (m === 'GET') return { status: 200, body: { items: [me, pilotUser] } };
      if (m === 'PATCH') return { status: 200, body: { ...pilotUser, ...(body as object), version: 5 } };
      if (m === 'POST') return { status: 409, body: { error: { code: 'conflict', message: 'email: already in use' } } };
      return { status: 404 };
    });
    const confirm = vi.fn(() => false);
    window.confirm = confirm;
    const u = userEvent.setup();
    wrap(<Users me={me} />);
    const row = (await screen.findAllByTestId('user-row')).find((r) => r.dataset.email === 'pat@acme.aero')!;
    await u.click(within(row).getByTestId('user-deactivate'));
    expect(confirm).toHaveBeenCalled();
    expect(calls.some((c) => c.method === 'PATCH')).toBe(false);
    await u.selectOptions(within(row).getByTestId('user-role-select'), 'viewer');
    await u.click(within(row).getByTestId('user-role-save'));
    expect((await within(row).findByTestId('user-ok')).textContent).toBe('Role changed to viewer.');
    await u.type(screen.getByTestId('user-email'), 'pat@acme.aero');
    await u.type(screen.getByTestId('user-name'), 'Pat');
    await u.type(screen.getByTestId('user-password'), 'long enough secret');
    await u.click(screen.getByTestId('user-submit'));
    expect((await screen.findByTestId('user-email-error')).textContent).toBe('already in use');
  });

  it('a wrong bootstrap token marks the token field', async () => {
    server(() => ({ status: 401, body: { error: { code: 'unauthenticated', message: 'bootstrap token: unauthenticated' } } }));
    const u = userEvent.setup();
    wrap(<Bootstrap />);
    expect(screen.getByTestId('bootstrap-hint').textContent).toContain('<data-dir>/bootstrap-token');
    await u.type(screen.getByTestId('bootstrap-token'), 'wrong');
    await u.type(screen.getByTestId('bootstrap-tenant'), 'Platform');
    await u.type(screen.getByTestId('bootstrap-email'), 'root@sky.aero');
    await u.type(screen.getByTestId('bootstrap-name'), 'Root');
    await u.type(screen.getByTestId('bootstrap-password'), 'long enough secret');
    await u.click(screen.getByTestId('bootstrap-submit'));
    expect((await screen.findByTestId('bootstrap-token-error')).textContent).toMatch(/not the bootstrap token/);
    expect(screen.getByTestId('bootstrap-token').getAttribute('aria-invalid')).toBe('true');
  });

  it.each([
    { name: 'server revokes the key (204)', status: 204 },
    { name: 'server without the route (404)', status: 404 },
    { name: 'key already gone (401)', status: 401 },
  ])('sign out: $name', async ({ status }) => {
    setSession({ key: 'sk_a' });
    const calls = server(() => ({ status, body: status === 204 ? undefined : { error: { code: 'x', message: 'x' } } }));
    await logout();
    expect(calls).toHaveLength(1);
    expect(calls[0].method).toBe('POST');
    expect(calls[0].url).toBe('/api/auth/logout');
    expect(calls[0].headers.Authorization).toBe('Bearer sk_a');
    expect(getSession()).toBeNull();
  });
});

describe('after a submit', () => {
  it('the cached lists stay stale, so a list mounted later refetches (a frame may have invalidated them first)', async () => {
    const { QueryClient: QC } = await import('@tanstack/react-query');
    const { useSubmitPirep } = await import('../api/hooks');
    const { renderHook, waitFor } = await import('@testing-library/react');
    setSession({ key: 'sk_p' });
    server(() => ({ status: 201, body: { ...urgent, id: 'N1', position: null } }));
    const qc = new QC({ defaultOptions: { queries: { staleTime: 30_000 } } });
    const key = ['pireps', 'list', {}];
    qc.setQueryData(key, { items: [routine], next_cursor: null });
    const { result } = renderHook(() => useSubmitPirep(), { wrapper: ({ children }) => <QueryClientProvider client={qc}>{children}</QueryClientProvider> });
    result.current.mutate({ raw: 'X' });
    await waitFor(() => expect(result.current.isSuccess).toBe(true));
    const st = qc.getQueryState(key)!;
    expect((qc.getQueryData(key) as { items: Pirep[] }).items.map((p) => p.id)).toEqual(['N1', 'R1']);
    expect(st.isInvalidated).toBe(true);
  });
});
