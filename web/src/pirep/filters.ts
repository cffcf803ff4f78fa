// PIREP screen filters: parsed from and written to the URL (the hash's query
// part, so a reload or a shared link keeps them), turned into the query
// parameters of GET /api/pireps (docs/openapi.yaml), and applied again on
// the client (a report pushed over the WebSocket lands in every cached list
// before the refetch filters it; hazard and intensity have no API parameter).
import type { Pirep } from '../api/types';
import { HAZARDS, LEVEL, hazardsOf, icingLevel, isRetracted, isUrgent, obsTime, reportOf, turbulenceLevel, type Hazard } from './decode';

export interface BBox {
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
}

export interface PirepFilters {
  hazards: Hazard[];
  /** minimum turbulence/icing intensity: '' | 'LGT' | 'MOD' | 'SEV' | 'EXTRM' */
  minIntensity: string;
  /** hours back from now; 0 = all */
  windowHours: number;
  /** hundreds of feet, '' = open */
  minFL: string;
  maxFL: string;
  aircraft: string;
  urgentOnly: boolean;
  bbox: BBox | null;
  /** "near station": the station id the bbox was derived from ('' when drawn) */
  near: string;
  nearNM: number;
  includeRetracted: boolean;
  /** platform admin: the tenant looked at ('' = own) */
  tenant: string;
}

export const NO_FILTERS: PirepFilters = {
  hazards: [],
  minIntensity: '',
  windowHours: 0,
  minFL: '',
  maxFL: '',
  aircraft: '',
  urgentOnly: false,
  bbox: null,
  near: '',
  nearNM: 50,
  includeRetracted: false,
  tenant: '',
};

export const WINDOWS = [0, 1, 3, 6, 24];
export const INTENSITIES = ['LGT', 'MOD', 'SEV', 'EXTRM'];

const round = (n: number) => Math.round(n * 1000) / 1000;

export function parseBBox(s: string | null): BBox | null {
  if (!s) return null;
  const n = s.split(',').map(Number);
  if (n.length !== 4 || n.some((x) => !isFinite(x))) return null;
  const [minLon, minLat, maxLon, maxLat] = n;
  if (minLat < -90 || maxLat > 90 || minLat > maxLat || minLon < -180 || maxLon > 180 || minLon > maxLon) return null;
  return { minLon, minLat, maxLon, maxLat };
}

export function bboxString(b: BBox): string {
  return [b.minLon, b.minLat, b.maxLon, b.maxLat].map(round).join(',');
}

const flOK = (s: string) => /^\d{1,3}$/.test(s);

/** parseFilters reads the filters from URL query parameters; invalid values are dropped. */
export function parseFilters(q: URLSearchParams): PirepFilters {
  const f: PirepFilters = { ...NO_FILTERS };
  const known = new Set(HAZARDS.map((h) => h.id));
  f.hazards = (q.get('hazard') ?? '')
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter((s): s is Hazard => known.has(s as Hazard));
  const mi = (q.get('min') ?? '').toUpperCase();
  if (INTENSITIES.includes(mi)) f.minIntensity = mi;
  const w = Number(q.get('window'));
  if (WINDOWS.includes(w)) f.windowHours = w;
  const lo = q.get('minfl') ?? '';
  const hi = q.get('maxfl') ?? '';
  if (flOK(lo)) f.minFL = String(Number(lo));
  if (flOK(hi)) f.maxFL = String(Number(hi));
  const tp = (q.get('tp') ?? '').trim().toUpperCase();
  if (/^[A-Z0-9]{2,4}$/.test(tp)) f.aircraft = tp;
  f.urgentOnly = q.get('urgent') === '1';
  f.bbox = parseBBox(q.get('bbox'));
  const near = (q.get('near') ?? '').trim().toUpperCase();
  if (f.bbox && /^[A-Z0-9]{2,5}$/.test(near)) f.near = near;
  const nm = Number(q.get('nm'));
  if (Number.isInteger(nm) && nm >= 5 && nm <= 500) f.nearNM = nm;
  f.includeRetracted = q.get('retracted') === '1';
  const t = q.get('tenant') ?? '';
  if (/^[A-Za-z0-9_-]{1,64}$/.test(t)) f.tenant = t;
  return f;
}

/** filtersQuery writes the filters as URL query parameters (defaults omitted, stable order). */
export function filtersQuery(f: PirepFilters): URLSearchParams {
  const q = new URLSearchParams();
  if (f.tenant) q.set('tenant', f.tenant);
  if (f.hazards.length) q.set('hazard', f.hazards.join(','));
  if (f.minIntensity) q.set('min', f.minIntensity);
  if (f.windowHours) q.set('window', String(f.windowHours));
  if (f.minFL !== '') q.set('minfl', f.minFL);
  if (f.maxFL !== '') q.set('maxfl', f.maxFL);
  if (f.aircraft) q.set('tp', f.aircraft);
  if (f.urgentOnly) q.set('urgent', '1');
  if (f.bbox) q.set('bbox', bboxString(f.bbox));
  if (f.bbox && f.near) {
    q.set('near', f.near);
    q.set('nm', String(f.nearNM));
  }
  if (f.includeRetracted) q.set('retracted', '1');
  return q;
}

/**
 * apiQuery is the GET /api/pireps query for the filters that the API
 * supports (tenant_id, from, urgent, min_fl, max_fl, aircraft_type, bbox,
 * include_retracted). now fixes the time window's start.
 */
export function apiQuery(f: PirepFilters, limit: number, now: number): string {
  const q = new URLSearchParams({ limit: String(limit) });
  if (f.tenant) q.set('tenant_id', f.tenant);
  if (f.windowHours) q.set('from', new Date(now - f.windowHours * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  if (f.urgentOnly) q.set('urgent', 'true');
  if (f.minFL !== '') q.set('min_fl', f.minFL);
  if (f.maxFL !== '') q.set('max_fl', f.maxFL);
  if (f.aircraft) q.set('aircraft_type', f.aircraft);
  if (f.bbox) q.set('bbox', bboxString(f.bbox));
  if (f.includeRetracted) q.set('include_retracted', 'true');
  return q.toString();
}

/** flError validates an altitude filter input. */
export function flError(v: string): string | undefined {
  return v !== '' && !flOK(v) ? 'hundreds of feet, 0-999' : undefined;
}

function inBox(p: Pirep, b: BBox): boolean {
  const pos = p.position as { lat?: number; lon?: number } | null | undefined;
  if (!pos || typeof pos.lat !== 'number' || typeof pos.lon !== 'number') return false;
  return pos.lat >= b.minLat && pos.lat <= b.maxLat && pos.lon >= b.minLon && pos.lon <= b.maxLon;
}

/** matches applies every filter to one report (the client's copy of the server's filters plus hazard/intensity). */
export function matches(p: Pirep, f: PirepFilters, now: number): boolean {
  if (!f.includeRetracted && isRetracted(p)) return false;
  if (f.urgentOnly && !isUrgent(p)) return false;
  if (f.windowHours && now - obsTime(p) > f.windowHours * 3_600_000) return false;
  const r = reportOf(p);
  if (f.minFL !== '' || f.maxFL !== '') {
    const l = r.altitude?.level;
    if (typeof l !== 'number') return false;
    if (f.minFL !== '' && l < Number(f.minFL)) return false;
    if (f.maxFL !== '' && l > Number(f.maxFL)) return false;
  }
  if (f.aircraft && (r.aircraft_type ?? '').toUpperCase() !== f.aircraft) return false;
  if (f.bbox && !inBox(p, f.bbox)) return false;
  const hz = hazardsOf(p);
  if (f.hazards.length && !f.hazards.some((h) => hz.includes(h))) return false;
  if (f.minIntensity) {
    const min = LEVEL[f.minIntensity];
    const onlyIce = f.hazards.length > 0 && f.hazards.includes('IC') && !f.hazards.includes('TB');
    const onlyTurb = f.hazards.length > 0 && f.hazards.includes('TB') && !f.hazards.includes('IC');
    const tb = onlyIce ? 0 : turbulenceLevel(r);
    const ic = onlyTurb ? 0 : icingLevel(r);
    if (Math.max(tb, ic) < min) return false;
  }
  return true;
}

/** sortByObservation orders newest observation first (ties: newest id first). */
export function sortByObservation(items: Pirep[]): Pirep[] {
  return [...items].sort((a, b) => obsTime(b) - obsTime(a) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/** bboxAround is the box of radius nm nautical miles around a point. */
export function bboxAround(lat: number, lon: number, nm: number): BBox {
  const dLat = nm / 60;
  const dLon = nm / (60 * Math.max(0.01, Math.cos((lat * Math.PI) / 180)));
  return {
    minLat: Math.max(-90, lat - dLat),
    maxLat: Math.min(90, lat + dLat),
    minLon: Math.max(-180, lon - dLon),
    maxLon: Math.min(180, lon + dLon),
  };
}
