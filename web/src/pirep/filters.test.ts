import { describe, expect, it } from 'vitest';
import type { Pirep } from '../api/types';
import { NO_FILTERS, apiQuery, bboxAround, filtersQuery, matches, parseFilters, sortByObservation, type PirepFilters } from './filters';

const now = Date.parse('2026-11-26T12:00:00Z');
const p = (id: string, at: string, report: object, extra: Partial<Pirep> = {}): Pirep => ({
  id,
  tenant_id: 'T',
  submitted_by: 'U',
  received_at: at,
  observed_at: at,
  type: 'UA',
  urgent: false,
  raw: id,
  version: 1,
  report: report as Record<string, unknown>,
  position: { lat: 38.3, lon: -104.5 },
  ...extra,
});
const items = [
  p('a', '2026-11-26T11:00:00Z', { altitude: { level: 80 }, aircraft_type: 'C172', turbulence: [{ intensity: 'LGT' }] }),
  p('b', '2026-11-26T11:50:00Z', { altitude: { level: 160 }, aircraft_type: 'COL4', turbulence: [{ intensity: 'SEV' }] }, { urgent: true, type: 'UUA' }),
  p('c', '2026-11-26T01:00:00Z', { altitude: { level: 350 }, aircraft_type: 'B738', icing: [{ intensity: 'MOD' }] }, { position: { lat: 47, lon: -122 } }),
  p('d', '2026-11-26T11:55:00Z', { altitude: { unknown: true }, aircraft_type: 'UNKN', remarks: 'LLWS -15 KT' }, { position: null }),
  p('e', '2026-11-26T11:58:00Z', { altitude: { level: 100 } }, { status: 'retracted' }),
];
const ids = (f: PirepFilters) => sortByObservation(items.filter((x) => matches(x, f, now))).map((x) => x.id);

describe('client-side matching', () => {
  it.each([
    { name: 'none: newest observation first, retracted hidden', f: NO_FILTERS, want: ['d', 'b', 'a', 'c'] },
    { name: 'retracted shown on request', f: { ...NO_FILTERS, includeRetracted: true }, want: ['e', 'd', 'b', 'a', 'c'] },
    { name: 'urgent only', f: { ...NO_FILTERS, urgentOnly: true }, want: ['b'] },
    { name: 'last 3 hours', f: { ...NO_FILTERS, windowHours: 3 }, want: ['d', 'b', 'a'] },
    { name: 'altitude band 100-200 (unknown excluded)', f: { ...NO_FILTERS, minFL: '100', maxFL: '200' }, want: ['b'] },
    { name: 'aircraft type', f: { ...NO_FILTERS, aircraft: 'B738' }, want: ['c'] },
    { name: 'hazard icing', f: { ...NO_FILTERS, hazards: ['IC' as const] }, want: ['c'] },
    { name: 'hazard LLWS or turbulence', f: { ...NO_FILTERS, hazards: ['LLWS' as const, 'TB' as const] }, want: ['d', 'b', 'a'] },
    { name: 'moderate or more', f: { ...NO_FILTERS, minIntensity: 'MOD' }, want: ['b', 'c'] },
    { name: 'moderate or more turbulence only', f: { ...NO_FILTERS, hazards: ['TB' as const], minIntensity: 'MOD' }, want: ['b'] },
    { name: 'area (unlocated excluded)', f: { ...NO_FILTERS, bbox: { minLon: -110, minLat: 35, maxLon: -100, maxLat: 40 } }, want: ['b', 'a'] },
  ])('$name', ({ f, want }) => expect(ids(f)).toEqual(want));
});

describe('URL round trip', () => {
  it('writes only what differs from the defaults and reads it back', () => {
    expect(filtersQuery(NO_FILTERS).toString()).toBe('');
    const f: PirepFilters = {
      ...NO_FILTERS,
      hazards: ['TB', 'IC'],
      minIntensity: 'MOD',
      windowHours: 3,
      minFL: '100',
      maxFL: '240',
      aircraft: 'C172',
      urgentOnly: true,
      bbox: { minLon: -105.5, minLat: 37.25, maxLon: -103.5, maxLat: 39.125 },
      near: 'PUB',
      nearNM: 100,
      includeRetracted: true,
      tenant: 'T1',
    };
    const q = filtersQuery(f);
    expect(q.toString()).toBe('tenant=T1&hazard=TB%2CIC&min=MOD&window=3&minfl=100&maxfl=240&tp=C172&urgent=1&bbox=-105.5%2C37.25%2C-103.5%2C39.125&near=PUB&nm=100&retracted=1');
    expect(parseFilters(new URLSearchParams(q.toString()))).toEqual(f);
  });

  it.each([
    { name: 'unknown hazard dropped', q: 'hazard=TB,XX', key: 'hazards', want: ['TB'] },
    { name: 'bad window', q: 'window=5', key: 'windowHours', want: 0 },
    { name: 'bad FL', q: 'minfl=abc', key: 'minFL', want: '' },
    { name: 'inverted bbox', q: 'bbox=10,10,0,0', key: 'bbox', want: null },
    { name: 'bad aircraft', q: 'tp=C1724X', key: 'aircraft', want: '' },
    { name: 'near without a box', q: 'near=PUB', key: 'near', want: '' },
  ])('$name', ({ q, key, want }) => expect(parseFilters(new URLSearchParams(q))[key as keyof PirepFilters]).toEqual(want));
});

describe('API query', () => {
  it('maps the filters the API supports to its parameters', () => {
    const q = new URLSearchParams(
      apiQuery({ ...NO_FILTERS, windowHours: 6, urgentOnly: true, minFL: '100', maxFL: '200', aircraft: 'C172', bbox: { minLon: -105, minLat: 37, maxLon: -103, maxLat: 39 }, includeRetracted: true, tenant: 'T2', hazards: ['IC'], minIntensity: 'SEV' }, 200, now),
    );
    expect(Object.fromEntries(q)).toEqual({
      limit: '200',
      tenant_id: 'T2',
      from: '2026-11-26T06:00:00Z',
      urgent: 'true',
      min_fl: '100',
      max_fl: '200',
      aircraft_type: 'C172',
      bbox: '-105,37,-103,39',
      include_retracted: 'true',
    });
  });

  it('a box of 60 NM around 40°N spans 1° of latitude each way', () => {
    const b = bboxAround(40, -105, 60);
    expect(b.minLat).toBeCloseTo(39);
    expect(b.maxLat).toBeCloseTo(41);
    expect(b.maxLon - b.minLon).toBeCloseTo(2 / Math.cos((40 * Math.PI) / 180));
  });
});
