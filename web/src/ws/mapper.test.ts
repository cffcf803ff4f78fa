import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QueryClient } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import type { Page, Pirep } from '../api/types';
import { EVENT_RULES, EVENT_TYPES, STREAM_PLACEHOLDER, applyFrame, auditKeyFor, keysFor, pirepFromFrame } from './mapper';
import type { EventFrame } from './protocol';

const T = '01TENANT';
const U = '01USER';
const K = '01KEY';
const P = '01PIREP';

function frame(event_type: string, stream_id: string, data: Record<string, unknown>, channel = `tenant:${T}:updates`): EventFrame {
  return { type: 'event', channel, event_type, event_id: 'E' + event_type, stream_id, version: 2, occurred_at: '2026-11-26T00:10:00Z', data };
}

// One case per event type the backend emits, with the payload fields of
// domain/identity/events.go and domain/pirep.
const CASES: { name: string; f: EventFrame; keys: string[][] }[] = [
  { name: 'tenant.created', f: frame('tenant.created', `tenant-${T}`, { tenant_id: T, name: 'Acme' }, 'platform:tenants'), keys: [['tenants'], ['tenant', T]] },
  { name: 'tenant.renamed', f: frame('tenant.renamed', `tenant-${T}`, { tenant_id: T, name: 'Acme 2' }), keys: [['tenants'], ['tenant', T]] },
  { name: 'tenant.suspended', f: frame('tenant.suspended', `tenant-${T}`, { tenant_id: T }), keys: [['tenants'], ['tenant', T], ['me']] },
  { name: 'tenant.reactivated', f: frame('tenant.reactivated', `tenant-${T}`, { tenant_id: T }), keys: [['tenants'], ['tenant', T], ['me']] },
  { name: 'user.created', f: frame('user.created', `user-${U}`, { user_id: U, tenant_id: T, role: 'pilot' }), keys: [['users', T], ['user', U]] },
  { name: 'user.role_changed', f: frame('user.role_changed', `user-${U}`, { user_id: U, tenant_id: T, role: 'viewer' }), keys: [['users', T], ['user', U], ['me']] },
  { name: 'user.deactivated', f: frame('user.deactivated', `user-${U}`, { user_id: U, tenant_id: T }), keys: [['users', T], ['user', U], ['me']] },
  { name: 'user.reactivated', f: frame('user.reactivated', `user-${U}`, { user_id: U, tenant_id: T }), keys: [['users', T], ['user', U], ['me']] },
  { name: 'user.password_changed', f: frame('user.password_changed', `user-${U}`, { user_id: U, tenant_id: T, sessions_revoked: true }, `user:${U}:updates`), keys: [['user', U], ['me']] },
  { name: 'user.erased', f: frame('user.erased', `user-${U}`, { user_id: U, tenant_id: T, by: 'A' }), keys: [['users', T], ['user', U]] },
  { name: 'user.profile_updated', f: frame('user.profile_updated', `user-${U}`, { user_id: U, tenant_id: T, display_name: 'X' }), keys: [['users', T], ['user', U], ['me']] },
  { name: 'apikey.created', f: frame('apikey.created', `apikey-${K}`, { key_id: K, tenant_id: T, owner_id: U }, `user:${U}:apikeys`), keys: [['apikeys']] },
  { name: 'apikey.revoked', f: frame('apikey.revoked', `apikey-${K}`, { key_id: K, tenant_id: T, owner_id: U }, `user:${U}:apikeys`), keys: [['apikeys']] },
  { name: 'pirep.submitted', f: frame('pirep.submitted', `pirep-${P}`, { id: P, tenant_id: T, raw: 'PUB UUA /OV PUB/TM 0010/FL160/TP COL4/TB SEV', urgent: true, type: 'UUA' }, `tenant:${T}:pireps`), keys: [['pireps'], ['pirep', P]] },
  { name: 'pirep.retracted', f: frame('pirep.retracted', `pirep-${P}`, { pirep_id: P, tenant_id: T }, `tenant:${T}:pireps`), keys: [['pireps'], ['pirep', P]] },
];

describe('keysFor', () => {
  it.each(CASES)('$name', ({ f, keys }) => {
    expect(keysFor(f)).toEqual(keys);
  });

  it('has a case for every rule and a rule for every case', () => {
    expect(CASES.map((c) => c.name).sort()).toEqual([...EVENT_TYPES].sort());
  });

  it('refetches me only for events about the signed-in user', () => {
    const f = CASES.find((c) => c.name === 'user.role_changed')!.f;
    expect(keysFor(f, U)).toEqual([['users', T], ['user', U], ['me']]);
    expect(keysFor(f, 'SOMEONE_ELSE')).toEqual([['users', T], ['user', U]]);
  });

  it('fills placeholders from the stream id and channel when data lacks them', () => {
    expect(keysFor(frame('user.role_changed', `user-${U}`, {}))).toEqual([['users', T], ['user', U], ['me']]);
    expect(keysFor(frame('pirep.retracted', `pirep-${P}`, {}, `tenant:${T}:pireps`))).toEqual([['pireps'], ['pirep', P]]);
  });

  it('cuts a key at a placeholder it cannot fill (invalidates more, never less)', () => {
    expect(keysFor(frame('user.created', 'weird', {}, 'platform:tenants'))).toEqual([['users'], ['user']]);
  });

  it('maps an unknown event type to nothing', () => {
    expect(keysFor(frame('something.new', 'x-1', {}))).toEqual([]);
  });
});

// The backend's registry as the Go tests write it (contexts.EventTypes() and
// every context's stream prefixes), so a new context's events fail this test
// until the mapper handles them.
interface Registry {
  event_types: string[];
  stream_prefixes: string[];
}

function backendRegistry(): Registry {
  const file = join(__dirname, '..', '..', '..', 'contexts', 'testdata', 'registry.json');
  return JSON.parse(readFileSync(file, 'utf8')) as Registry;
}

describe('coverage of the backend', () => {
  const registry = backendRegistry();

  it('has a rule for exactly the event types the contexts declare', () => {
    expect(registry.event_types).toContain('user.deactivated'); // the file is read
    expect(registry.event_types).toContain('pirep.submitted');
    for (const t of registry.event_types) expect(EVENT_RULES, t).toHaveProperty([t]);
    expect([...EVENT_TYPES].sort()).toEqual([...registry.event_types].sort());
  });

  it('fills placeholders only from declared stream prefixes', () => {
    for (const [name, prefix] of Object.entries(STREAM_PLACEHOLDER)) expect(registry.stream_prefixes, name).toContain(prefix);
  });
});

describe('applyFrame', () => {
  const pirep = (id: string, raw: string): Pirep => ({
    id, tenant_id: T, submitted_by: U, received_at: '2026-11-26T00:00:00Z', observed_at: '2026-11-26T00:00:00Z', type: 'UA', urgent: false, raw, version: 1,
  });

  it('puts a submitted PIREP at the top of the feed at once and invalidates the lists', () => {
    const qc = new QueryClient();
    qc.setQueryData<Page<Pirep>>(['pireps', 'feed'], { items: [pirep('OLD', 'BIL UA /OV BIL/TM 0017/FL080/TP BE9L/TA UNKN')] });
    applyFrame(qc, CASES.find((c) => c.name === 'pirep.submitted')!.f);
    const page = qc.getQueryData<Page<Pirep>>(['pireps', 'feed'])!;
    expect(page.items.map((p) => p.id)).toEqual([P, 'OLD']);
    expect(page.items[0].urgent).toBe(true);
    expect(qc.getQueryState(['pireps', 'feed'])!.isInvalidated).toBe(true);
    // a duplicate delivery changes nothing
    applyFrame(qc, CASES.find((c) => c.name === 'pirep.submitted')!.f);
    expect(qc.getQueryData<Page<Pirep>>(['pireps', 'feed'])!.items).toHaveLength(2);
  });

  it('marks a retracted PIREP in place', () => {
    const qc = new QueryClient();
    qc.setQueryData<Page<Pirep>>(['pireps', 'feed'], { items: [pirep(P, 'X')] });
    applyFrame(qc, CASES.find((c) => c.name === 'pirep.retracted')!.f);
    expect(qc.getQueryData<Page<Pirep>>(['pireps', 'feed'])!.items[0].retracted).toBe(true);
  });

  it('invalidates me on a deactivation so the deactivated user is sent to login', () => {
    const qc = new QueryClient();
    qc.setQueryData(['me'], { id: U });
    const other = new QueryClient();
    other.setQueryData(['me'], { id: 'ADMIN' });
    applyFrame(other, CASES.find((c) => c.name === 'user.deactivated')!.f);
    expect(other.getQueryState(['me'])!.isInvalidated).toBe(false); // the admin's own me stays
    qc.setQueryData(['users', T], { items: [] });
    qc.setQueryData(['users', 'OTHER'], { items: [] });
    applyFrame(qc, CASES.find((c) => c.name === 'user.deactivated')!.f);
    expect(qc.getQueryState(['me'])!.isInvalidated).toBe(true);
    expect(qc.getQueryState(['users', T])!.isInvalidated).toBe(true);
    expect(qc.getQueryState(['users', 'OTHER'])!.isInvalidated).toBe(false);
  });

  it('builds a feed item only from a frame that carries the text', () => {
    expect(pirepFromFrame(frame('pirep.submitted', `pirep-${P}`, { tenant_id: T }))).toBeNull();
    const p = pirepFromFrame(frame('pirep.submitted', `pirep-${P}`, { raw: 'PUB UUA /OV PUB/TM 0010/FL160/TP COL4/TB SEV' }))!;
    expect(p).toMatchObject({ id: P, type: 'UUA', urgent: true });
  });
});

describe('audit trail cache rule', () => {
  it('every event frame makes its tenant\'s trail stale, unknown types included', () => {
    expect(auditKeyFor(frame('user.role_changed', `user-${U}`, { user_id: U, tenant_id: T }))).toEqual(['audit', T]);
    expect(auditKeyFor(frame('pirep.submitted', `pirep-${P}`, {}, `tenant:${T}:pireps`))).toEqual(['audit', T]);
    expect(auditKeyFor(frame('something.new', 'x-1', {}))).toEqual(['audit', T]);
    // no tenant to be told: every trail
    expect(auditKeyFor(frame('something.new', 'x-1', {}, 'platform:tenants'))).toEqual(['audit']);
  });

  it('applyFrame invalidates the trail and the History tabs of that tenant only', async () => {
    const qc = new QueryClient();
    const trail = ['audit', T, { stream: '' }];
    const history = ['audit', T, { stream: `user-${U}` }];
    const other = ['audit', 'OTHER', { stream: '' }];
    for (const k of [trail, history, other]) qc.setQueryData(k, { pages: [], pageParams: [] });
    applyFrame(qc, frame('user.role_changed', `user-${U}`, { user_id: U, tenant_id: T }));
    expect(qc.getQueryState(trail)?.isInvalidated).toBe(true);
    expect(qc.getQueryState(history)?.isInvalidated).toBe(true);
    expect(qc.getQueryState(other)?.isInvalidated).toBe(false);
  });
});
