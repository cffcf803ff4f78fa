// Decoding a PIREP resource for people: each element of the structured
// report (docs/openapi.yaml PirepReport) in words, the hazards it carries,
// its age and the observation-time note. Pure functions, unit-tested; the
// table, the map markers and their accessible names all read from here.
import type { Pirep } from '../api/types';

export interface Band {
  qualifier?: 'BLO' | 'ABV' | string;
  base: number;
  top?: number;
}
export interface Point {
  fix?: string;
  radial?: number;
  distance?: number;
  lat?: number;
  lon?: number;
}
export interface SkyLayer {
  cover: string;
  cover_upper?: string;
  base?: number;
  base_unknown?: boolean;
  top?: number;
  top_unknown?: boolean;
}
export interface TurbLayer {
  frequency?: string;
  intensity: string;
  intensity_upper?: string;
  type?: string;
  altitude?: Band;
}
export interface IceLayer {
  intensity: string;
  intensity_upper?: string;
  type?: string;
  altitude?: Band;
}
export interface Report {
  station?: string;
  type?: string;
  location?: { points?: Point[] };
  time?: string;
  altitude?: { level?: number; unknown?: boolean; phase?: string };
  aircraft_type?: string;
  sky?: SkyLayer[];
  weather?: { flight_visibility?: number; groups?: string[] };
  temperature?: number;
  wind?: { direction: number; speed: number };
  turbulence?: TurbLayer[];
  icing?: IceLayer[];
  remarks?: string;
}

export function reportOf(p: Pirep): Report {
  return (p.report && typeof p.report === 'object' ? p.report : {}) as Report;
}

/** A warning of a report kept partly as text (element, its original text, why). */
export interface PirepWarning {
  element: string;
  text: string;
  message: string;
}

export function warningsOf(p: Pirep): PirepWarning[] {
  const w = (p as { warnings?: unknown }).warnings;
  if (!Array.isArray(w)) return [];
  return w.filter((x): x is PirepWarning => !!x && typeof x === 'object' && typeof (x as PirepWarning).message === 'string');
}

export function isUrgent(p: Pirep): boolean {
  return !!(p.urgent || p.type === 'UUA');
}

export function isRetracted(p: Pirep): boolean {
  return !!(p.retracted || p.retracted_at || p.status === 'retracted');
}

const pad3 = (n: number) => String(n).padStart(3, '0');

/** fl formats hundreds of feet as "FL160" (18,000 ft and above) or "8,000 ft". */
export function fl(n: number): string {
  return n >= 180 ? `FL${pad3(n)}` : `${(n * 100).toLocaleString('en-US')} ft`;
}

export function band(b: Band | undefined): string {
  if (!b) return '';
  if (b.qualifier === 'BLO') return `below ${fl(b.base)}`;
  if (b.qualifier === 'ABV') return `above ${fl(b.base)}`;
  if (typeof b.top === 'number') return `${fl(b.base)}–${fl(b.top)}`;
  return `at ${fl(b.base)}`;
}

export function fmtLocation(r: Report): string {
  const pts = r.location?.points ?? [];
  if (!pts.length) return '—';
  return pts
    .map((p) => {
      if (p.fix) {
        if (typeof p.radial === 'number' && typeof p.distance === 'number') return `${p.distance} NM ${compass(p.radial)} of ${p.fix} (radial ${pad3(p.radial)})`;
        return p.fix;
      }
      if (typeof p.lat === 'number' && typeof p.lon === 'number') return `${Math.abs(p.lat).toFixed(2)}°${p.lat >= 0 ? 'N' : 'S'} ${Math.abs(p.lon).toFixed(2)}°${p.lon >= 0 ? 'E' : 'W'}`;
      return '?';
    })
    .join(' → ');
}

const DIRS = ['N', 'NNE', 'NE', 'ENE', 'E', 'ESE', 'SE', 'SSE', 'S', 'SSW', 'SW', 'WSW', 'W', 'WNW', 'NW', 'NNW'];
export function compass(deg: number): string {
  return DIRS[Math.round((((deg % 360) + 360) % 360) / 22.5) % 16];
}

export function fmtAltitude(r: Report): string {
  const a = r.altitude;
  if (!a) return '—';
  if (a.phase === 'DURC') return 'climbing' + (typeof a.level === 'number' ? ` (${fl(a.level)})` : '');
  if (a.phase === 'DURD') return 'descending' + (typeof a.level === 'number' ? ` (${fl(a.level)})` : '');
  if (typeof a.level === 'number') return fl(a.level);
  return 'unknown';
}

const COVER: Record<string, string> = { FEW: 'few', SCT: 'scattered', BKN: 'broken', OVC: 'overcast', SKC: 'clear', CLR: 'clear' };
export function fmtSky(r: Report): string {
  const s = r.sky ?? [];
  if (!s.length) return '';
  return s
    .map((l) => {
      const cover = COVER[l.cover] ?? l.cover;
      const c = l.cover_upper ? `${cover}–${COVER[l.cover_upper] ?? l.cover_upper}` : cover;
      const base = l.base_unknown ? 'base unknown' : typeof l.base === 'number' ? `base ${fl(l.base)}` : '';
      const top = l.top_unknown ? 'top unknown' : typeof l.top === 'number' ? `top ${fl(l.top)}` : '';
      return [c, base, top].filter(Boolean).join(', ');
    })
    .join('; ');
}

const INT_WORD: Record<string, string> = { NEG: 'none', TRACE: 'trace', LGT: 'light', MOD: 'moderate', SEV: 'severe', EXTRM: 'extreme' };
const FREQ_WORD: Record<string, string> = { INTMT: 'intermittent', OCNL: 'occasional', CONS: 'continuous' };
const ICE_TYPE: Record<string, string> = { RIME: 'rime', CLR: 'clear', MX: 'mixed' };
const TB_TYPE: Record<string, string> = { CAT: 'clear-air', CHOP: 'chop' };

function intensity(lo: string, hi?: string): string {
  const a = INT_WORD[lo] ?? lo.toLowerCase();
  return hi ? `${a}–${INT_WORD[hi] ?? hi.toLowerCase()}` : a;
}

export function fmtTurbulence(r: Report): string {
  return (r.turbulence ?? [])
    .map((l) => [l.frequency && FREQ_WORD[l.frequency], intensity(l.intensity, l.intensity_upper), l.type && TB_TYPE[l.type], band(l.altitude)].filter(Boolean).join(' '))
    .join('; ');
}

export function fmtIcing(r: Report): string {
  return (r.icing ?? []).map((l) => [intensity(l.intensity, l.intensity_upper), l.type && ICE_TYPE[l.type], band(l.altitude)].filter(Boolean).join(' ')).join('; ');
}

const WX: [RegExp, string][] = [
  [/\+FC/, 'tornado/waterspout'],
  [/FC/, 'funnel cloud'],
  [/TS/, 'thunderstorm'],
  [/GR|GS/, 'hail'],
  [/VA/, 'volcanic ash'],
  [/FZ/, 'freezing'],
  [/SN/, 'snow'],
  [/RA/, 'rain'],
  [/DZ/, 'drizzle'],
  [/PL/, 'ice pellets'],
  [/BR/, 'mist'],
  [/FG/, 'fog'],
  [/HZ/, 'haze'],
  [/FU/, 'smoke'],
  [/DU|SA/, 'dust/sand'],
];

export function fmtWeather(r: Report): string {
  const w = r.weather;
  if (!w) return '';
  const parts: string[] = [];
  if (typeof w.flight_visibility === 'number') parts.push(w.flight_visibility >= 99 ? 'visibility unrestricted' : `visibility ${w.flight_visibility} SM`);
  for (const g of w.groups ?? []) {
    const words = WX.filter(([re]) => re.test(g)).map(([, s]) => s);
    const inten = g.startsWith('+') ? 'heavy ' : g.startsWith('-') ? 'light ' : '';
    parts.push(words.length ? `${inten}${words.join(' ')} (${g})` : g);
  }
  return parts.join(', ');
}

export function fmtTemp(r: Report): string {
  return typeof r.temperature === 'number' ? `${r.temperature} °C` : '';
}

export function fmtWind(r: Report): string {
  const w = r.wind;
  return w ? `${pad3(w.direction)}° at ${w.speed} kt` : '';
}

// ---- hazards ---------------------------------------------------------------

/** Hazard kinds the console filters and colours by. */
export type Hazard = 'TB' | 'IC' | 'LLWS' | 'TS' | 'GR' | 'VA';
export const HAZARDS: { id: Hazard; label: string }[] = [
  { id: 'TB', label: 'Turbulence' },
  { id: 'IC', label: 'Icing' },
  { id: 'LLWS', label: 'Low-level wind shear' },
  { id: 'TS', label: 'Thunderstorm / funnel cloud' },
  { id: 'GR', label: 'Hail' },
  { id: 'VA', label: 'Volcanic ash' },
];

/** Intensity scale shared by turbulence and icing: 0 none, 1 light (trace), 2 moderate, 3 severe, 4 extreme. */
export const LEVEL: Record<string, number> = { NEG: 0, TRACE: 1, LGT: 1, MOD: 2, SEV: 3, EXTRM: 4 };
export const LEVEL_NAME = ['none', 'light', 'moderate', 'severe', 'extreme'];

function layerLevel(l: { intensity: string; intensity_upper?: string }): number {
  return Math.max(LEVEL[l.intensity] ?? 0, l.intensity_upper ? (LEVEL[l.intensity_upper] ?? 0) : 0);
}
export function turbulenceLevel(r: Report): number {
  return Math.max(0, ...(r.turbulence ?? []).map(layerLevel));
}
export function icingLevel(r: Report): number {
  return Math.max(0, ...(r.icing ?? []).map(layerLevel));
}

/** hazardsOf lists the hazards a report carries (a turbulence or icing layer of "none" is not one). */
export function hazardsOf(p: Pirep): Hazard[] {
  const r = reportOf(p);
  const out: Hazard[] = [];
  const groups = (r.weather?.groups ?? []).join(' ');
  const rm = ` ${(r.remarks ?? '').toUpperCase()} `;
  const reasons = (p.urgent_reasons ?? []).join(' ').toLowerCase();
  if (turbulenceLevel(r) > 0) out.push('TB');
  if (icingLevel(r) > 0) out.push('IC');
  if (/LLWS|WIND ?SHEAR/.test(rm) || reasons.includes('wind shear')) out.push('LLWS');
  if (/TS|FC/.test(groups) || / (TORNADO|FUNNEL CLOUD|WATERSPOUT|TSTM|CB) /.test(rm) || reasons.includes('tornado')) out.push('TS');
  if (/GR|GS/.test(groups) || / HAIL /.test(rm) || reasons.includes('hail')) out.push('GR');
  if (/VA/.test(groups) || /VOLCANIC/.test(rm) || reasons.includes('volcanic')) out.push('VA');
  return out;
}

/** Marker colour class: the most serious hazard decides; urgency outranks all. */
export type Tone = 'urgent' | 'turbulence' | 'icing' | 'convective' | 'other' | 'routine';
export function toneOf(p: Pirep): Tone {
  if (isUrgent(p)) return 'urgent';
  const h = hazardsOf(p);
  if (h.includes('TS') || h.includes('GR') || h.includes('VA') || h.includes('LLWS')) return 'convective';
  const r = reportOf(p);
  const tb = turbulenceLevel(r);
  const ic = icingLevel(r);
  if (tb === 0 && ic === 0) return h.length ? 'other' : 'routine';
  return tb >= ic ? 'turbulence' : 'icing';
}

// ---- time ------------------------------------------------------------------

export function obsTime(p: Pirep): number {
  const t = Date.parse(p.observed_at || p.received_at);
  return isNaN(t) ? 0 : t;
}

/** fmtAge says how long ago: "just now", "12 min ago", "3 h 5 min ago", "in 2 h" (future). */
export function fmtAge(t: number, now: number): string {
  const d = Math.round((now - t) / 60_000);
  if (Math.abs(d) < 1) return 'just now';
  const abs = Math.abs(d);
  const s = abs < 60 ? `${abs} min` : abs < 48 * 60 ? `${Math.floor(abs / 60)} h${abs % 60 ? ` ${abs % 60} min` : ''}` : `${Math.floor(abs / 1440)} d`;
  return d > 0 ? `${s} ago` : `in ${s}`;
}

export function fmtUTC(t: number): string {
  if (!t) return '—';
  return new Date(t).toISOString().slice(0, 16).replace('T', ' ') + 'Z';
}

/**
 * timeNote is the visible note for a report whose /TM puts it more than an
 * hour before or after its receipt (a late filing, or a time that rolled
 * over the day), else ''.
 */
export function timeNote(p: Pirep): string {
  const o = Date.parse(p.observed_at);
  const r = Date.parse(p.received_at);
  if (isNaN(o) || isNaN(r)) return '';
  const d = r - o;
  if (Math.abs(d) <= 3_600_000) return '';
  const span = fmtAge(o, r).replace(/ ago$|^in /, '');
  return d > 0 ? `observed ${span} before it was received` : `observation time ${span} after receipt (check /TM)`;
}

/** markerName is a marker's accessible name: station, type, hazards, time. */
export function markerName(p: Pirep, now: number): string {
  const r = reportOf(p);
  const station = r.station || r.location?.points?.[0]?.fix || 'unknown station';
  const parts = [`${station} ${p.type}${isUrgent(p) ? ' urgent' : ''}`];
  const tb = turbulenceLevel(r);
  const ic = icingLevel(r);
  if (tb) parts.push(`${LEVEL_NAME[tb]} turbulence`);
  if (ic) parts.push(`${LEVEL_NAME[ic]} icing`);
  parts.push(fmtAltitude(r));
  parts.push(fmtAge(obsTime(p), now));
  return parts.join(', ');
}
