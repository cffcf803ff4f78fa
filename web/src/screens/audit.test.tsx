import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api } from '../api/client';
import { isSuspended, setSuspended } from '../api/suspension';
import type { AuditEntry, Tenant, User } from '../api/types';
import { useRoute } from '../route';
import { setSession } from '../session';
import { Audit } from './Audit';
import { Tenants } from './Tenants';
import { Users } from './Users';
import { HistoryButton } from '../components/History';
import { server, wrap } from '../test/harness';

/** AuditAtHash renders the screen from the URL, as the app does. */
function AuditAtHash({ me }: { me: User }) {
  const r = useRoute();
  return <Audit me={me} query={r.query} />;
}

const admin: User = { id: 'A', tenant_id: 'T', email: 'ops@acme.aero', display_name: 'Ops', role: 'tenant_admin', status: 'active', created_at: '', version: 1 };
const pilot: User = { id: 'P', tenant_id: 'T', email: 'pat@acme.aero', display_name: 'Pat', role: 'pilot', status: 'active', created_at: '', version: 4 };

function entry(n: number, over: Partial<AuditEntry> = {}): AuditEntry {
  return {
    event_id: 'E' + n,
    stream_id: 'user-P',
    version: n,
    type: 'user.role_changed',
    occurred_at: `2026-12-01T10:0${n}:00Z`,
    tenant_id: 'T',
    actor: { id: 'A', display_name: 'Ops', kind: 'user' },
    summary: `Ops changed Pat's role (${n})`,
    data: { user_id: 'P', role: 'viewer' },
    ...over,
  };
}

beforeEach(() => {
  history.replaceState(null, '', '#/audit');
});

afterEach(() => {
  cleanup();
  setSession(null);
  setSuspended(false);
});

describe('audit screen', () => {
  it('lists the trail, pages with the cursor, and keeps a type filter in the URL', async () => {
    setSession({ key: 'sk_a' });
    const calls = server((_m, url) => {
      if (url.startsWith('/api/tenants/T/users')) return { status: 200, body: { items: [admin, pilot] } };
      if (url.startsWith('/api/audit')) {
        const q = new URL(url, 'http://x').searchParams;
        if (q.get('cursor') === 'c2') return { status: 200, body: { items: [entry(1)], next_cursor: null } };
        return { status: 200, body: { items: [entry(3), entry(2, { type: 'user.created', summary: 'Ops created Pat' })], next_cursor: 'c2' } };
      }
      return { status: 404, body: { error: { code: 'not_found', message: 'nope' } } };
    });
    const u = userEvent.setup();
    wrap(<AuditAtHash me={admin} />);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Audit trail');
    const rows = await screen.findAllByTestId('audit-item');
    expect(rows.map((r) => within(r).getByTestId('audit-summary').textContent)).toEqual(["Ops changed Pat's role (3)", 'Ops created Pat']);
    expect(within(rows[0]).getByTestId('audit-actor').textContent).toBe('Ops');
    expect(within(rows[0]).getByText('2026-12-01 10:03Z', { exact: false })).toBeTruthy();
    // a tenant admin reads its own tenant: no tenant picker, no tenant_id sent
    expect(screen.queryByTestId('audit-tenant')).toBeNull();
    expect(new URL(calls.find((c) => c.url.startsWith('/api/audit'))!.url, 'http://x').searchParams.has('tenant_id')).toBe(false);

    await u.click(screen.getByTestId('audit-list-more'));
    await vi.waitFor(() => expect(screen.getAllByTestId('audit-item')).toHaveLength(3));
    expect(calls.some((c) => c.url.includes('cursor=c2'))).toBe(true);
    expect(screen.queryByTestId('audit-list-more')).toBeNull();

    await u.click(screen.getByTestId('audit-type-user.role_changed'));
    expect(location.hash).toBe('#/audit?type=user.role_changed');
    await vi.waitFor(() => {
      const last = calls.filter((c) => c.url.startsWith('/api/audit')).at(-1)!;
      expect(new URL(last.url, 'http://x').searchParams.getAll('type')).toEqual(['user.role_changed']);
    });
    expect((screen.getByTestId('audit-type-user.role_changed') as HTMLInputElement).checked).toBe(true);
    await u.selectOptions(screen.getByTestId('audit-actor-filter'), 'P');
    expect(location.hash).toBe('#/audit?actor=P&type=user.role_changed');
  });

  it('reads its filters from the URL and exports them with the Bearer key as a file', async () => {
    history.replaceState(null, '', '#/audit?stream=user-P&type=user.created&type=user.role_changed&window=24h');
    setSession({ key: 'sk_a' });
    const calls = server((_m, url) => {
      if (url.startsWith('/api/tenants/T/users')) return { status: 200, body: { items: [] } };
      if (url.includes('format=csv')) return { status: 200, text: 'occurred_at,event_id\n2026-12-01T10:03:00Z,E3\n', headers: { 'Content-Type': 'text/csv', 'X-Export-Truncated': 'true' } };
      if (url.startsWith('/api/audit')) return { status: 200, body: { items: [entry(3)], next_cursor: null } };
      return { status: 404 };
    });
    const created: Blob[] = [];
    const createURL = vi.fn((b: Blob) => (created.push(b), 'blob:x'));
    URL.createObjectURL = createURL as unknown as typeof URL.createObjectURL;
    URL.revokeObjectURL = vi.fn();
    const clicked: string[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.download);
    });
    const u = userEvent.setup();
    wrap(<AuditAtHash me={admin} />);
    await screen.findAllByTestId('audit-item');
    expect((screen.getByTestId('audit-stream') as HTMLInputElement).value).toBe('user-P');
    expect((screen.getByTestId('audit-window') as HTMLSelectElement).value).toBe('24h');
    expect((screen.getByTestId('audit-type-user.created') as HTMLInputElement).checked).toBe(true);

    await u.click(screen.getByTestId('audit-export-csv'));
    await screen.findByTestId('audit-export-truncated');
    const exp = calls.find((c) => c.url.includes('format=csv'))!;
    expect(exp.headers.Authorization).toBe('Bearer sk_a');
    const q = new URL(exp.url, 'http://x').searchParams;
    expect(q.get('stream_id')).toBe('user-P');
    expect(q.getAll('type')).toEqual(['user.created', 'user.role_changed']);
    expect(q.has('from')).toBe(true);
    expect(q.has('limit')).toBe(false);
    expect(await created[0].text()).toContain('E3');
    expect(clicked[0]).toMatch(/^audit-.*\.csv$/);
    click.mockRestore();
  });

  it('shows the payload on demand', async () => {
    setSession({ key: 'sk_a' });
    server((_m, url) => {
      if (url.startsWith('/api/audit')) return { status: 200, body: { items: [entry(3)], next_cursor: null } };
      return { status: 200, body: { items: [] } };
    });
    const u = userEvent.setup();
    wrap(<AuditAtHash me={admin} />);
    const row = (await screen.findAllByTestId('audit-item'))[0];
    const details = row.querySelector('details')!;
    expect(details.open).toBe(false);
    await u.click(within(row).getByText('Show payload'));
    expect(details.open).toBe(true);
    expect(within(row).getByTestId('audit-payload').textContent).toContain('"role": "viewer"');
  });
});

describe('History tab', () => {
  it("loads a user's stream only once opened", async () => {
    setSession({ key: 'sk_a' });
    const calls = server((_m, url) => {
      if (url.startsWith('/api/tenants/T/users')) return { status: 200, body: { items: [admin, pilot] } };
      if (url.startsWith('/api/audit')) return { status: 200, body: { items: [entry(2)], next_cursor: null } };
      return { status: 404 };
    });
    const u = userEvent.setup();
    wrap(<Users me={admin} />);
    const row = (await screen.findAllByTestId('user-row')).find((r) => r.dataset.email === 'pat@acme.aero')!;
    expect(calls.some((c) => c.url.startsWith('/api/audit'))).toBe(false);
    await u.click(within(row).getByText('History'));
    expect((await within(row).findByTestId('audit-summary')).textContent).toBe("Ops changed Pat's role (2)");
    const q = new URL(calls.find((c) => c.url.startsWith('/api/audit'))!.url, 'http://x').searchParams;
    expect(q.get('stream_id')).toBe('user-P');
    expect(q.get('tenant_id')).toBe('T');
  });
});

describe('History button (a PIREP row)', () => {
  it("opens a dialog with the PIREP's stream and closes it", async () => {
    setSession({ key: 'sk_a' });
    const calls = server(() => ({
      status: 200,
      body: { items: [entry(1, { stream_id: 'pirep-X', type: 'pirep.submitted', summary: 'Pat submitted a PIREP' })], next_cursor: null },
    }));
    const u = userEvent.setup();
    wrap(<HistoryButton tenantId="T" streamId="pirep-X" label="the PIREP DEN 1200Z" testid="pirep-history" />);
    expect(calls).toHaveLength(0);
    await u.click(screen.getByTestId('pirep-history'));
    const dlg = screen.getByTestId('history-dialog');
    expect(within(dlg).getByRole('heading', { level: 2 }).textContent).toBe('History of the PIREP DEN 1200Z');
    expect((await within(dlg).findByTestId('audit-summary')).textContent).toBe('Pat submitted a PIREP');
    expect(new URL(calls[0].url, 'http://x').searchParams.get('stream_id')).toBe('pirep-X');
    await u.click(within(dlg).getByTestId('history-close'));
    expect(screen.queryByTestId('history-dialog')).toBeNull();
  });
});

const acme: Tenant = { id: 'T', name: 'Acme', status: 'active', created_at: '2026-11-01T00:00:00Z', version: 3 };
const plat: Tenant = { id: 'PT', name: 'Platform', platform: true, status: 'active', created_at: '2026-11-01T00:00:00Z', version: 1 };

describe('tenants screen', () => {
  it('suspends after confirmation with If-Match, then shows the badge', async () => {
    setSession({ key: 'sk_root' });
    const calls = server((m, url, body) => {
      if (m === 'GET' && url.startsWith('/api/tenants')) return { status: 200, body: { items: [plat, acme] } };
      if (m === 'PATCH' && url === '/api/tenants/T') return { status: 200, body: { ...acme, ...(body as object), version: 4 } };
      return { status: 404 };
    });
    const u = userEvent.setup();
    wrap(<Tenants canCreate />);
    const row = (await screen.findAllByTestId('tenant-row')).find((r) => r.dataset.tenantId === 'T')!;
    expect(within(row).getByTestId('tenant-status').textContent).toBe('active');
    await u.click(within(row).getByTestId('tenant-suspend'));
    expect(screen.getByTestId('tenant-dialog').textContent).toContain('Suspend Acme?');
    expect(calls.some((c) => c.method === 'PATCH')).toBe(false); // nothing before the confirmation
    await u.click(screen.getByTestId('tenant-confirm'));
    await vi.waitFor(() => expect(within(row).getByTestId('tenant-status').textContent).toBe('suspended'));
    const patch = calls.find((c) => c.method === 'PATCH')!;
    expect(patch.body).toEqual({ status: 'suspended' });
    expect(patch.headers['If-Match']).toBe('"3"');
    expect(screen.queryByTestId('tenant-dialog')).toBeNull();
    expect(within(row).getByTestId('tenant-reactivate')).toBeTruthy();
  });

  it('a cancelled suspension sends nothing; a rename sends the new name', async () => {
    setSession({ key: 'sk_root' });
    const calls = server((m, _url, body) => {
      if (m === 'GET') return { status: 200, body: { items: [acme] } };
      if (m === 'PATCH') return { status: 200, body: { ...acme, ...(body as object), version: 4 } };
      return { status: 404 };
    });
    const u = userEvent.setup();
    wrap(<Tenants canCreate />);
    await u.click(await screen.findByTestId('tenant-suspend'));
    await u.click(screen.getByTestId('tenant-cancel'));
    expect(calls.some((c) => c.method === 'PATCH')).toBe(false);
    await u.click(screen.getByTestId('tenant-rename'));
    const input = screen.getByTestId('tenant-rename-name');
    await u.clear(input);
    await u.type(input, 'Acme Aviation');
    await u.click(screen.getByTestId('tenant-confirm'));
    await screen.findByText('Acme Aviation');
    expect(calls.find((c) => c.method === 'PATCH')!.body).toEqual({ name: 'Acme Aviation' });
  });

  it('shows the 409 of the platform tenant as a message', async () => {
    setSession({ key: 'sk_root' });
    server((m) => {
      if (m === 'GET') return { status: 200, body: { items: [plat] } };
      return { status: 409, body: { error: { code: 'conflict', message: 'the platform tenant cannot be suspended' } } };
    });
    const u = userEvent.setup();
    wrap(<Tenants canCreate />);
    await u.click(await screen.findByTestId('tenant-suspend'));
    await u.click(screen.getByTestId('tenant-confirm'));
    expect((await screen.findByTestId('tenant-error')).textContent).toBe('The platform tenant cannot be suspended: its admins run the platform.');
    expect(screen.getByTestId('tenant-dialog')).toBeTruthy();
  });
});

describe('tenant_suspended', () => {
  it('a 403 tenant_suspended marks the console suspended; the next success clears it', async () => {
    setSession({ key: 'sk_p' });
    let suspended = true;
    server(() =>
      suspended
        ? { status: 403, body: { error: { code: 'tenant_suspended', message: 'your tenant is suspended; contact the platform operator' } } }
        : { status: 200, body: pilot },
    );
    await expect(api('/api/users/me')).rejects.toMatchObject({ status: 403, code: 'tenant_suspended', authFailure: false });
    expect(isSuspended()).toBe(true);
    suspended = false;
    await api('/api/users/me');
    expect(isSuspended()).toBe(false);
  });

  it('another 403 does not', async () => {
    setSession({ key: 'sk_p' });
    server(() => ({ status: 403, body: { error: { code: 'forbidden', message: 'no' } } }));
    await expect(api('/api/audit')).rejects.toMatchObject({ status: 403 });
    expect(isSuspended()).toBe(false);
  });
});
