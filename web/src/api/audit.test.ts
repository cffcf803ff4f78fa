import { describe, expect, it } from 'vitest';
import { auditApiQuery, auditFiltersQuery, NO_AUDIT_FILTERS, parseAuditFilters, toRFC3339 } from './audit';

describe('audit filters in the URL', () => {
  it('round-trips every filter, several types included', () => {
    const f = { tenant: 'T2', stream: 'user-U1', actor: 'system', types: ['user.created', 'user.role_changed'], window: '24h', from: '2026-12-01T10:00', to: '' };
    const q = auditFiltersQuery(f);
    expect(q.toString()).toBe('tenant=T2&stream=user-U1&actor=system&type=user.created&type=user.role_changed&window=24h&from=2026-12-01T10%3A00');
    expect(parseAuditFilters(new URLSearchParams(q.toString()))).toEqual(f);
  });

  it('leaves out empty filters and ignores an unknown window; comma-separated types split', () => {
    expect(auditFiltersQuery(NO_AUDIT_FILTERS).toString()).toBe('');
    const f = parseAuditFilters(new URLSearchParams('window=3y&type=a.b,c.d'));
    expect(f.window).toBe('');
    expect(f.types).toEqual(['a.b', 'c.d']);
  });
});

describe('auditApiQuery', () => {
  const now = Date.parse('2026-12-02T12:00:00Z');
  it('maps the filters to the API parameters, a window to from', () => {
    const q = auditApiQuery({ ...NO_AUDIT_FILTERS, tenant: 'T', stream: ' pirep-P ', actor: 'U', types: ['pirep.submitted', 'pirep.retracted'], window: '1h' }, now, { limit: '50' });
    expect(q.get('tenant_id')).toBe('T');
    expect(q.get('stream_id')).toBe('pirep-P');
    expect(q.get('actor')).toBe('U');
    expect(q.getAll('type')).toEqual(['pirep.submitted', 'pirep.retracted']);
    expect(q.get('from')).toBe('2026-12-02T11:00:00.000Z');
    expect(q.has('to')).toBe(false);
    expect(q.get('limit')).toBe('50');
  });

  it('an explicit from wins over the window; datetime-local values are UTC', () => {
    const q = auditApiQuery({ ...NO_AUDIT_FILTERS, window: '7d', from: '2026-11-30T08:15', to: '2026-12-01T00:00' }, now);
    expect(q.get('from')).toBe('2026-11-30T08:15:00.000Z');
    expect(q.get('to')).toBe('2026-12-01T00:00:00.000Z');
    expect(q.has('tenant_id')).toBe(false);
  });

  it('drops an unparseable time instead of sending it', () => {
    expect(toRFC3339('not a time')).toBeUndefined();
    expect(toRFC3339('2026-12-01T10:00:00+02:00')).toBe('2026-12-01T08:00:00.000Z');
    expect(auditApiQuery({ ...NO_AUDIT_FILTERS, from: 'garbage' }, now).has('from')).toBe(false);
  });
});
