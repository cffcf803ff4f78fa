// PIREP text helpers for the submit form (docs/pirep.md): splitting the
// encoded text into its elements (so an error can point at one), composing
// the canonical text from the structured fields, and a light client-side
// check. The server's parser is the authority.
import type { Errors } from '../forms/validation';

/** The eleven element tags, in their required order. */
export const TAGS = ['OV', 'TM', 'FL', 'TP', 'SK', 'WX', 'TA', 'WV', 'TB', 'IC', 'RM'] as const;
export type Tag = (typeof TAGS)[number];
export const WEATHER_TAGS: Tag[] = ['SK', 'WX', 'TA', 'WV', 'TB', 'IC', 'RM'];

export const TAG_LABEL: Record<Tag, string> = {
  OV: 'Location (/OV)',
  TM: 'Time UTC (/TM)',
  FL: 'Altitude (/FL)',
  TP: 'Aircraft type (/TP)',
  SK: 'Sky (/SK)',
  WX: 'Weather (/WX)',
  TA: 'Temperature (/TA)',
  WV: 'Wind (/WV)',
  TB: 'Turbulence (/TB)',
  IC: 'Icing (/IC)',
  RM: 'Remarks (/RM)',
};

/** One piece of the encoded text: the header (station + type) or a /XX element. */
export interface Element {
  /** 'header' or a tag */
  key: 'header' | Tag | string;
  /** the text of the element, tag included, trimmed */
  text: string;
  start: number;
  end: number;
}

// A tag is "/XX " (a space follows) except /FL, which runs into its digits
// (/FL160, /FLUNKN, /FLDURD). So "/OVC120" inside /SK is a layer, not /OV.
const TAG_RE = new RegExp(
  `\\s*/(?:(FL)(?=\\s*\\d|UNKN|DUR)|(${TAGS.filter((t) => t !== 'FL').join('|')})(?=\\s|$))`,
  'g',
);

/**
 * splitElements cuts the encoded text into the header and its elements. A
 * new element starts only where "/" is followed by one of the known tags, so
 * "/" inside /SK, /TB and /IC layers stays in its element.
 */
export function splitElements(raw: string): Element[] {
  const text = raw.replace(/=\s*$/, '');
  const out: Element[] = [];
  const marks: { tag: string; at: number }[] = [];
  TAG_RE.lastIndex = 0;
  for (let m = TAG_RE.exec(text); m; m = TAG_RE.exec(text)) {
    marks.push({ tag: m[1] ?? m[2], at: m.index + m[0].indexOf('/') });
  }
  const headEnd = marks.length ? marks[0].at : text.length;
  const head = text.slice(0, headEnd);
  if (head.trim()) {
    const s = head.search(/\S/);
    out.push({ key: 'header', text: head.trim(), start: s, end: s + head.trim().length });
  }
  marks.forEach((m, i) => {
    const end = i + 1 < marks.length ? marks[i + 1].at : text.length;
    const seg = text.slice(m.at, end);
    out.push({ key: m.tag, text: seg.trim(), start: m.at, end: m.at + seg.trimEnd().length });
  });
  return out;
}

const FIELD_ALIASES: Record<string, string> = {
  station: 'header',
  type: 'header',
  location: 'OV',
  ov: 'OV',
  time: 'TM',
  tm: 'TM',
  observed_at: 'TM',
  altitude: 'FL',
  flight_level: 'FL',
  fl: 'FL',
  aircraft: 'TP',
  aircraft_type: 'TP',
  tp: 'TP',
  sky: 'SK',
  sk: 'SK',
  weather: 'WX',
  wx: 'WX',
  visibility: 'WX',
  temperature: 'TA',
  ta: 'TA',
  wind: 'WV',
  wv: 'WV',
  turbulence: 'TB',
  tb: 'TB',
  icing: 'IC',
  ic: 'IC',
  remarks: 'RM',
  rm: 'RM',
};

/**
 * elementForField maps a server error's details.field ("tb", "raw.tb",
 * "/TB", "turbulence[0].intensity", "station") to an element key (a tag or
 * 'header'), or undefined when it names none (e.g. plain "raw").
 */
export function elementForField(field: string | undefined): string | undefined {
  if (!field) return undefined;
  const parts = field
    .toLowerCase()
    .replace(/\[\d+\]/g, '')
    .split(/[.\s]/)
    .map((p) => p.replace(/^\/+/, ''))
    .filter(Boolean);
  for (const p of parts) {
    if (FIELD_ALIASES[p]) return FIELD_ALIASES[p];
  }
  return undefined;
}

/**
 * placeServerError finds the element a server validation error names. The
 * server answers a refused text with details.field "raw" and a message like
 * "raw: /TB at byte 47: unknown intensity; expected NEG, LGT, ..." (element
 * "station", "type" or "report" for the header and the whole report); a
 * structured field error names the JSON path ("turbulence[0].intensity").
 */
export function placeServerError(field: string | undefined, message: string): { key?: string; message: string } {
  const msg = field && message.startsWith(field + ': ') ? message.slice(field.length + 2) : message;
  const m = /^(\/([A-Z]{2})|station|type|report) at byte (\d+): ([\s\S]*)$/.exec(msg);
  if (m) {
    const key = m[2] ? m[2] : m[1] === 'report' ? undefined : 'header';
    return { key, message: `${m[4]} (at character ${Number(m[3]) + 1})` };
  }
  if (field && field !== 'raw') return { key: elementForField(field), message: msg };
  return { message: msg };
}

/** Structured form values, one string per element. */
export interface PirepFields {
  station: string;
  urgent: boolean;
  OV: string;
  TM: string;
  FL: string;
  TP: string;
  SK: string;
  WX: string;
  TA: string;
  WV: string;
  TB: string;
  IC: string;
  RM: string;
}

export const EMPTY_FIELDS: PirepFields = {
  station: '',
  urgent: false,
  OV: '',
  TM: '',
  FL: '',
  TP: '',
  SK: '',
  WX: '',
  TA: '',
  WV: '',
  TB: '',
  IC: '',
  RM: '',
};

/** composeRaw writes the canonical encoded text of the structured fields. */
export function composeRaw(f: PirepFields): string {
  const head = [f.station.trim().toUpperCase(), f.urgent ? 'UUA' : 'UA'].filter(Boolean).join(' ');
  const els: string[] = [];
  for (const t of TAGS) {
    const v = f[t].trim().replace(/\s+/g, ' ');
    if (!v) continue;
    const value = t === 'RM' ? v : v.toUpperCase();
    els.push(t === 'FL' ? `/FL${value}` : `/${t} ${value}`);
  }
  return els.length ? `${head} ${els.join('')}` : head;
}

/** validateFields is the client-side check of the structured form; keys are tags, 'station'. */
export function validateFields(f: PirepFields): Errors {
  const e: Errors = {};
  const st = f.station.trim();
  if (st && !/^[A-Za-z0-9]{3,4}$/.test(st)) e.station = '3 or 4 letters or digits';
  if (!f.OV.trim()) e.OV = 'required';
  if (!f.TM.trim()) e.TM = 'required';
  else if (!/^([01]\d|2[0-3])[0-5]\d$/.test(f.TM.trim())) e.TM = 'HHMM in UTC, e.g. 0010';
  if (!f.FL.trim()) e.FL = 'required';
  else if (!/^(\d{3}|UNKN)$/i.test(f.FL.trim())) e.FL = '3 digits (hundreds of feet) or UNKN';
  if (!f.TP.trim()) e.TP = 'required';
  else if (!/^[A-Za-z0-9]{2,4}$/.test(f.TP.trim()) && f.TP.trim().toUpperCase() !== 'UNKN') e.TP = 'type designator, at most 4 characters';
  if (!WEATHER_TAGS.some((t) => f[t].trim())) e.SK = 'give at least one weather element (sky, weather, temperature, wind, turbulence, icing or remarks)';
  if (f.TA.trim() && !/^(M?\d{1,2}|-\d{1,2}|UNKN)$/i.test(f.TA.trim())) e.TA = 'two digits °C, M prefix for negative (M08)';
  if (f.WV.trim() && !/^\d{3}\d{2,3}(KT)?$/i.test(f.WV.trim())) e.WV = 'direction and speed, e.g. 02009KT';
  return e;
}

/** validateRaw checks the encoded text; keys are element keys ('header', tags) or 'raw'. */
export function validateRaw(raw: string): Errors {
  const e: Errors = {};
  if (!raw.trim()) return { raw: 'required' };
  if (raw.length > 2000) return { raw: 'at most 2000 characters' };
  const els = splitElements(raw.toUpperCase());
  const head = els.find((x) => x.key === 'header');
  if (!head || !/(^|\s)(UA|UUA)$/.test(head.text)) e.header = 'start with the station and UA or UUA, e.g. "PUB UA"';
  const seen = new Set(els.map((x) => x.key));
  for (const t of ['OV', 'TM', 'FL', 'TP'] as Tag[]) if (!seen.has(t)) e[t] = `/${t} is required`;
  const tm = els.find((x) => x.key === 'TM');
  if (tm && !/^\/TM\s*([01]\d|2[0-3])[0-5]\d$/.test(tm.text)) e.TM = 'HHMM in UTC, e.g. /TM 0010';
  const fl = els.find((x) => x.key === 'FL');
  if (fl && !/^\/FL\s*(\d{3}|UNKN|DURC|DURD|DURGD)/.test(fl.text)) e.FL = '3 digits (hundreds of feet) or UNKN, e.g. /FL160';
  if (!WEATHER_TAGS.some((t) => seen.has(t))) e.raw = 'at least one weather element (/SK /WX /TA /WV /TB /IC /RM)';
  let last = -1;
  for (const el of els) {
    const i = TAGS.indexOf(el.key as Tag);
    if (i < 0) continue;
    if (i < last && !e[el.key]) e[el.key] = `/${el.key} is out of order (order: ${TAGS.map((t) => '/' + t).join(' ')})`;
    last = Math.max(last, i);
  }
  return e;
}

/** altitudeOf reads the altitude in hundreds of feet from a PIREP's raw text (null: unknown). */
export function altitudeOf(raw: string): number | null {
  const m = /\/FL\s*(\d{3})/.exec(raw);
  return m ? parseInt(m[1], 10) : null;
}
