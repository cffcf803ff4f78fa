// The airport location table the server resolves /OV fixes with
// (domain/pirep/locations.csv.gz), loaded on demand as its own chunk: the
// submit form warns about a station that will not be on the map, and the
// "near station" filter centres its box on one.
export type StationTable = Map<string, [number, number]>;

let table: Promise<StationTable> | null = null;

export function parseStations(csv: string): StationTable {
  const m: StationTable = new Map();
  for (const line of csv.split('\n')) {
    const [id, la, lo] = line.split(',');
    const lat = Number(la);
    const lon = Number(lo);
    if (id && la && lo && isFinite(lat) && isFinite(lon)) m.set(id, [lat, lon]);
  }
  return m;
}

export function loadStations(): Promise<StationTable> {
  table ??= import('virtual:stations').then((m) => parseStations(m.default));
  return table;
}

/** lookupStation resolves an id as the server does: exact, else K+id for a 3-character id. */
export function lookupStation(t: StationTable, id: string): [number, number] | undefined {
  const s = id.trim().toUpperCase();
  return t.get(s) ?? (s.length === 3 ? t.get('K' + s) : undefined);
}
