import { describe, expect, it } from 'vitest';
import type { Pirep } from '../api/types';
import {
  fmtAge,
  fmtAltitude,
  fmtIcing,
  fmtLocation,
  fmtSky,
  fmtTurbulence,
  fmtWeather,
  fmtWind,
  hazardsOf,
  markerName,
  timeNote,
  toneOf,
  warningsOf,
  type Report,
} from './decode';

const pirep = (report: Report, extra: Partial<Pirep> = {}): Pirep => ({
  id: 'P1',
  tenant_id: 'T',
  submitted_by: 'U',
  received_at: '2026-11-26T12:00:00Z',
  observed_at: '2026-11-26T11:50:00Z',
  type: 'UA',
  urgent: false,
  raw: 'X',
  version: 1,
  report: report as Record<string, unknown>,
  ...extra,
});

describe('element decoding', () => {
  it.each([
    { name: 'fix with radial/distance', got: fmtLocation({ location: { points: [{ fix: 'PUB', radial: 243, distance: 22 }] } }), want: '22 NM WSW of PUB (radial 243)' },
    { name: 'route and lat/long', got: fmtLocation({ location: { points: [{ fix: 'DEN' }, { lat: 39.5, lon: -104.25 }] } }), want: 'DEN → 39.50°N 104.25°W' },
    { name: 'no location', got: fmtLocation({}), want: '—' },
    { name: 'flight level', got: fmtAltitude({ altitude: { level: 350 } }), want: 'FL350' },
    { name: 'low altitude in feet', got: fmtAltitude({ altitude: { level: 80 } }), want: '8,000 ft' },
    { name: 'climbing', got: fmtAltitude({ altitude: { phase: 'DURC' } }), want: 'climbing' },
    { name: 'unknown altitude', got: fmtAltitude({ altitude: { unknown: true } }), want: 'unknown' },
    { name: 'sky layers', got: fmtSky({ sky: [{ cover: 'BKN', base: 40, top: 65 }, { cover: 'OVC', base_unknown: true }] }), want: 'broken, base 4,000 ft, top 6,500 ft; overcast, base unknown' },
    {
      name: 'turbulence range, frequency, type and band',
      got: fmtTurbulence({ turbulence: [{ frequency: 'OCNL', intensity: 'MOD', intensity_upper: 'SEV', type: 'CAT', altitude: { base: 330, top: 370 } }] }),
      want: 'occasional moderate–severe clear-air FL330–FL370',
    },
    { name: 'icing below', got: fmtIcing({ icing: [{ intensity: 'LGT', type: 'RIME', altitude: { qualifier: 'BLO', base: 80 } }] }), want: 'light rime below 8,000 ft' },
    { name: 'weather groups', got: fmtWeather({ weather: { flight_visibility: 3, groups: ['+TSRA', 'BR'] } }), want: 'visibility 3 SM, heavy thunderstorm rain (+TSRA), mist (BR)' },
    { name: 'wind', got: fmtWind({ wind: { direction: 20, speed: 9 } }), want: '020° at 9 kt' },
  ])('$name', ({ got, want }) => expect(got).toBe(want));
});

describe('hazards and tone', () => {
  it.each([
    { name: 'routine', r: { turbulence: [{ intensity: 'NEG' }] }, extra: {}, hazards: [], tone: 'routine' },
    { name: 'moderate turbulence', r: { turbulence: [{ intensity: 'MOD' }] }, extra: {}, hazards: ['TB'], tone: 'turbulence' },
    { name: 'icing outranks lighter turbulence', r: { turbulence: [{ intensity: 'LGT' }], icing: [{ intensity: 'MOD' }] }, extra: {}, hazards: ['TB', 'IC'], tone: 'icing' },
    { name: 'LLWS in remarks', r: { remarks: 'LLWS +/-15 KT ON FINAL' }, extra: {}, hazards: ['LLWS'], tone: 'convective' },
    { name: 'hail', r: { weather: { groups: ['GR'] } }, extra: {}, hazards: ['GR'], tone: 'convective' },
    { name: 'urgent outranks all', r: { turbulence: [{ intensity: 'SEV' }] }, extra: { urgent: true, type: 'UUA' as const }, hazards: ['TB'], tone: 'urgent' },
  ])('$name', ({ r, extra, hazards, tone }) => {
    const p = pirep(r as Report, extra);
    expect(hazardsOf(p)).toEqual(hazards);
    expect(toneOf(p)).toBe(tone);
  });
});

describe('time', () => {
  const now = Date.parse('2026-11-26T12:00:00Z');
  it.each([
    { at: '2026-11-26T11:59:40Z', want: 'just now' },
    { at: '2026-11-26T11:48:00Z', want: '12 min ago' },
    { at: '2026-11-26T08:55:00Z', want: '3 h 5 min ago' },
    { at: '2026-11-26T14:00:00Z', want: 'in 2 h' },
    { at: '2026-11-23T12:00:00Z', want: '3 d ago' },
  ])('age of $at is "$want"', ({ at, want }) => expect(fmtAge(Date.parse(at), now)).toBe(want));

  it('notes an observation time more than 1 h before or after receipt, not within', () => {
    expect(timeNote(pirep({}, { observed_at: '2026-11-26T11:05:00Z' }))).toBe('');
    expect(timeNote(pirep({}, { observed_at: '2026-11-26T09:30:00Z' }))).toBe('observed 2 h 30 min before it was received');
    expect(timeNote(pirep({}, { observed_at: '2026-11-26T13:30:00Z' }))).toBe('observation time 1 h 30 min after receipt (check /TM)');
  });

  it('names a marker by station, type, hazards, altitude and age', () => {
    const p = pirep({ station: 'PUB', altitude: { level: 160 }, turbulence: [{ intensity: 'SEV' }] }, { type: 'UUA', urgent: true });
    expect(markerName(p, now)).toBe('PUB UUA urgent, severe turbulence, 16,000 ft, 10 min ago');
  });
});

describe('warnings', () => {
  it('reads the warnings of a report kept partly as text; none on an old report', () => {
    expect(warningsOf(pirep({}))).toEqual([]);
    const w = { element: '/TB', text: 'MOD UNKN', message: 'turbulence type not decoded' };
    expect(warningsOf(pirep({}, { warnings: [w, { bogus: 1 } as never] }))).toEqual([w]);
  });
});
