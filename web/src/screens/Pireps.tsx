// The PIREP screen: filters (kept in the URL), a map of the located reports
// and the decoded table, both on one time basis (observation time), with
// marker <-> row selection and retraction.
import { Suspense, lazy, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { usePireps, useRetractPirep, useTenants, useUsers } from '../api/hooks';
import type { Pirep, User } from '../api/types';
import { Field, FormError, SelectField } from '../components/Field';
import { TenantSelect, firstCustomerTenant } from '../components/TenantSelect';
import { ActionsHeader } from '../components/Table';
import { LegendSwatch } from '../map/glyphs';
import {
  HAZARDS,
  fmtAge,
  fmtAltitude,
  fmtIcing,
  fmtLocation,
  fmtSky,
  fmtTemp,
  fmtTurbulence,
  fmtUTC,
  fmtWeather,
  fmtWind,
  isRetracted,
  isUrgent,
  obsTime,
  reportOf,
  timeNote,
  warningsOf,
  type Hazard,
} from '../pirep/decode';
import {
  INTENSITIES,
  NO_FILTERS,
  WINDOWS,
  bboxAround,
  bboxString,
  filtersQuery,
  flError,
  matches,
  parseFilters,
  sortByObservation,
  type PirepFilters,
} from '../pirep/filters';
import { loadStations, lookupStation } from '../pirep/stations';
import { setQuery } from '../route';
import { useWsChannels } from '../ws/WsProvider';
import { FEED_LIMIT } from '../api/hooks';
import { HistoryButton } from '../components/History';
import { useModal } from '../components/useModal';
import { Warnings } from '../components/Warnings';
import { useNow } from './useNow';

const PirepMap = lazy(() => import('../map/PirepMap'));

const INT_LABEL: Record<string, string> = { LGT: 'light or more', MOD: 'moderate or more', SEV: 'severe or more', EXTRM: 'extreme' };
const WINDOW_LABEL: Record<number, string> = { 0: 'All', 1: 'Last hour', 3: 'Last 3 hours', 6: 'Last 6 hours', 24: 'Last 24 hours' };

export function Pireps({ me, query }: { me: User; query: URLSearchParams }) {
  const f = useMemo(() => parseFilters(query), [query]);
  const set = (patch: Partial<PirepFilters>) => setQuery(filtersQuery({ ...f, ...patch }));
  const isPlatform = me.role === 'platform_admin';
  const isAdmin = isPlatform || me.role === 'tenant_admin';
  const tenants = useTenants(isPlatform);

  // A platform admin looks at one tenant at a time; the platform tenant
  // itself has no PIREPs, so the first customer tenant is the default.
  const firstCustomer = firstCustomerTenant(tenants.data?.items, me);
  const tenant = isPlatform ? f.tenant || firstCustomer || me.tenant_id : me.tenant_id;
  const apiFilters: PirepFilters = { ...f, tenant: isPlatform && tenant !== me.tenant_id ? tenant : '' };
  const list = usePireps(apiFilters);
  // another tenant's reports and users (for the submitters' names) arrive on its channels
  const foreign = isPlatform && tenant !== me.tenant_id;
  useWsChannels(foreign ? [`tenant:${tenant}:pireps`, `tenant:${tenant}:updates`] : []);
  const users = useUsers(isAdmin ? tenant : undefined, !foreign);
  const names = useMemo(() => new Map((users.data?.items ?? []).map((u) => [u.id, u.display_name])), [users.data]);
  const who = (id: string) => (id === me.id ? `${me.display_name} (you)` : (names.get(id) ?? id));

  const now = useNow();
  const all = list.data?.items ?? [];
  const items = useMemo(() => sortByObservation(all.filter((p) => matches(p, f, now))), [all, f, now]);
  const [selected, setSelected] = useState<string | null>(null);
  const [fromMap, setFromMap] = useState(false);
  const [drawing, setDrawing] = useState(false);
  const retract = useRetractPirep();
  const [confirming, setConfirming] = useState<Pirep | null>(null);

  const rowRef = useRef<Map<string, HTMLTableRowElement>>(new Map());
  useEffect(() => {
    if (selected && fromMap) rowRef.current.get(selected)?.scrollIntoView?.({ block: 'nearest', behavior: 'smooth' });
  }, [selected, fromMap]);

  const located = items.filter((p) => !isRetracted(p));
  const unlocated = located.filter((p) => !p.position).length;
  const canRetract = (p: Pirep) => !isRetracted(p) && (isAdmin || p.submitted_by === me.id);
  const tenantName = tenants.data?.items.find((t) => t.id === tenant)?.name;

  return (
    <section aria-labelledby="pireps-h" className="pireps">
      <h1 id="pireps-h">PIREPs{isPlatform && tenantName ? ` — ${tenantName}` : ''}</h1>
      {isPlatform && (
        <div className="row">
          <TenantSelect value={tenant} tenants={tenants.data?.items} onChange={(id) => set({ tenant: id })} testid="pireps-tenant" markPlatform keepUnknown />
          {tenant === me.tenant_id && (
            <p className="hint" data-testid="pireps-platform-note">
              The platform tenant has no PIREPs of its own: pilots submit into their operator&apos;s tenant. Pick a tenant to see its reports.
            </p>
          )}
        </div>
      )}
      <Filters f={f} set={set} drawing={drawing} setDrawing={setDrawing} />
      {list.error && <FormError message={(list.error as Error).message} />}
      <div className="pireps-body">
        <div className="map-col">
          <Suspense fallback={<p className="map-loading">Loading map…</p>}>
            <PirepMap
              items={located}
              selectedId={selected}
              onSelect={(id) => {
                setFromMap(true);
                setSelected(id);
              }}
              now={now}
              bbox={f.bbox}
              drawing={drawing}
              onBox={(b) => {
                setDrawing(false);
                set({ bbox: b, near: '' });
              }}
            />
          </Suspense>
          <Legend />
        </div>
        <div className="table-col">
          <p className="hint" aria-live="polite" data-testid="pirep-count">
            {list.isPending ? 'Loading…' : `${items.length} report${items.length === 1 ? '' : 's'} shown`}
            {list.data && all.length !== items.length ? ` (of ${all.length} loaded)` : ''}
            {unlocated ? ` · ${unlocated} without a position (not on the map)` : ''}
            {list.data?.next_cursor ? ` · only the newest ${FEED_LIMIT} are loaded: narrow the filters` : ''}
          </p>
          <PirepTable
            items={items}
            now={now}
            selected={selected}
            onSelect={(id) => {
              setFromMap(false);
              setSelected(id);
            }}
            rowRef={rowRef}
            who={who}
            canRetract={canRetract}
            historyTenant={isAdmin ? tenant : null}
            onRetract={(p) => setConfirming(p)}
          />
        </div>
      </div>
      {confirming && (
        <RetractDialog
          pirep={confirming}
          pending={retract.isPending}
          error={retract.error as Error | null}
          onCancel={() => {
            setConfirming(null);
            retract.reset();
          }}
          onConfirm={(reason) =>
            retract.mutate(
              { pirep: confirming, reason },
              {
                onSuccess: () => {
                  setConfirming(null);
                  if (selected === confirming.id) setSelected(null);
                },
              },
            )
          }
        />
      )}
    </section>
  );
}

function Filters({ f, set, drawing, setDrawing }: { f: PirepFilters; set: (p: Partial<PirepFilters>) => void; drawing: boolean; setDrawing: (b: boolean) => void }) {
  // altitude and aircraft inputs are typed: kept locally while invalid
  const [minFL, setMinFL] = useState(f.minFL);
  const [maxFL, setMaxFL] = useState(f.maxFL);
  const [tp, setTp] = useState(f.aircraft);
  const [near, setNear] = useState(f.near);
  const [nearErr, setNearErr] = useState<string>();
  useEffect(() => setMinFL(f.minFL), [f.minFL]);
  useEffect(() => setMaxFL(f.maxFL), [f.maxFL]);
  useEffect(() => setTp(f.aircraft), [f.aircraft]);
  useEffect(() => setNear(f.near), [f.near]);
  const tpErr = tp !== '' && !/^[A-Za-z0-9]{2,4}$/.test(tp) ? '2-4 letters or digits (ICAO type)' : undefined;

  const toggleHazard = (h: Hazard, on: boolean) => set({ hazards: on ? [...f.hazards, h] : f.hazards.filter((x) => x !== h) });

  async function applyNear(nm = f.nearNM) {
    const id = near.trim().toUpperCase();
    if (!id) {
      setNearErr(undefined);
      set({ near: '', bbox: null });
      return;
    }
    const t = await loadStations();
    const pos = lookupStation(t, id);
    if (!pos) {
      setNearErr(`${id} is not in the location table`);
      return;
    }
    setNearErr(undefined);
    set({ near: id, nearNM: nm, bbox: bboxAround(pos[0], pos[1], nm) });
  }

  // on a phone the filters fold away (they would fill the first screen)
  const [open] = useState(() => typeof window === 'undefined' || !window.matchMedia?.('(max-width: 40rem)').matches);
  const active = filtersQuery({ ...f, tenant: '' }).toString() !== '';
  return (
    <details className="filters-box" open={open || undefined}>
      <summary>Filters{active ? ' (active)' : ''}</summary>
    <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()} data-testid="pirep-filters">
      <fieldset className="hazards">
        <legend>Hazard</legend>
        {HAZARDS.map((h) => (
          <label key={h.id}>
            <input type="checkbox" checked={f.hazards.includes(h.id)} onChange={(e) => toggleHazard(h.id, e.target.checked)} data-testid={`filter-hazard-${h.id}`} /> {h.label}
          </label>
        ))}
      </fieldset>
      <SelectField label="Turbulence/icing intensity" value={f.minIntensity} onChange={(e) => set({ minIntensity: e.target.value })} testid="filter-intensity">
        <option value="">Any</option>
        {INTENSITIES.map((i) => (
          <option key={i} value={i}>
            {INT_LABEL[i]}
          </option>
        ))}
      </SelectField>
      <SelectField label="Observed" value={String(f.windowHours)} onChange={(e) => set({ windowHours: Number(e.target.value) })} testid="filter-window">
        {WINDOWS.map((w) => (
          <option key={w} value={w}>
            {WINDOW_LABEL[w]}
          </option>
        ))}
      </SelectField>
      <FlField label="Lowest FL" value={minFL} setValue={setMinFL} apply={(fl) => set({ minFL: fl })} testid="filter-minfl" />
      <FlField label="Highest FL" value={maxFL} setValue={setMaxFL} apply={(fl) => set({ maxFL: fl })} testid="filter-maxfl" />
      <Field
        label="Aircraft type"
        size={5}
        value={tp}
        onChange={(e) => {
          const v = e.target.value.trim().toUpperCase();
          setTp(v);
          if (v === '' || /^[A-Z0-9]{2,4}$/.test(v)) set({ aircraft: v });
        }}
        error={tpErr}
        testid="filter-aircraft"
      />
      <div className="field checks">
        <label>
          <input type="checkbox" checked={f.urgentOnly} onChange={(e) => set({ urgentOnly: e.target.checked })} data-testid="filter-urgent" /> Urgent only
        </label>
        <label>
          <input type="checkbox" checked={f.includeRetracted} onChange={(e) => set({ includeRetracted: e.target.checked })} data-testid="filter-retracted" /> Show retracted
        </label>
      </div>
      <fieldset className="area-filter">
        <legend>Area</legend>
        <div className="row">
          <Field label="Near station" size={5} value={near} onChange={(e) => setNear(e.target.value.toUpperCase())} onKeyDown={(e) => e.key === 'Enter' && void applyNear()} error={nearErr} testid="filter-near" />
          <SelectField label="Radius" value={String(f.nearNM)} onChange={(e) => (near.trim() ? void applyNear(Number(e.target.value)) : set({ nearNM: Number(e.target.value) }))} testid="filter-near-nm">
            {[25, 50, 100, 200].map((n) => (
              <option key={n} value={n}>
                {n} NM
              </option>
            ))}
          </SelectField>
          <button type="button" onClick={() => void applyNear()} data-testid="filter-near-apply">
            Apply
          </button>
          <button type="button" aria-pressed={drawing} onClick={() => setDrawing(!drawing)} data-testid="filter-draw">
            {drawing ? 'Drag on the map…' : 'Draw a box'}
          </button>
          {f.bbox && (
            <button type="button" className="secondary" onClick={() => set({ bbox: null, near: '' })} data-testid="filter-area-clear">
              Clear area
            </button>
          )}
        </div>
        {f.bbox && (
          <p className="hint" data-testid="filter-area">
            {f.near ? `Within ${f.nearNM} NM of ${f.near}` : 'Drawn box'}: <span className="mono">{bboxString(f.bbox)}</span>
          </p>
        )}
      </fieldset>
      {active && (
        <button type="button" className="secondary" onClick={() => setQuery(filtersQuery({ ...NO_FILTERS, tenant: f.tenant }))} data-testid="filter-reset">
          Reset filters
        </button>
      )}
    </form>
    </details>
  );
}

/**
 * FlField is a flight-level filter box: it keeps the text as typed and
 * applies it (as a number, or '' when empty) only while it is a valid level.
 */
function FlField({ label, value, setValue, apply, testid }: { label: string; value: string; setValue: (v: string) => void; apply: (fl: string) => void; testid: string }) {
  return (
    <Field
      label={label}
      inputMode="numeric"
      size={4}
      value={value}
      onChange={(e) => {
        const v = e.target.value.trim();
        setValue(v);
        if (!flError(v)) apply(v === '' ? '' : String(Number(v)));
      }}
      error={flError(value)}
      testid={testid}
    />
  );
}

function Legend() {
  return (
    <ul className="legend" aria-label="Map legend">
      <li>
        <LegendSwatch tone="urgent" kind="TB" level={3} /> urgent (UUA)
      </li>
      <li>
        <LegendSwatch tone="turbulence" kind="TB" level={2} /> turbulence
      </li>
      <li>
        <LegendSwatch tone="icing" kind="IC" level={2} /> icing
      </li>
      <li>
        <LegendSwatch tone="convective" /> wind shear, storm, hail, ash
      </li>
      <li>
        <LegendSwatch tone="routine" /> no hazard
      </li>
      <li className="small">carets / bars: 1 light, 2 moderate, 3 severe</li>
    </ul>
  );
}

interface TableProps {
  items: Pirep[];
  now: number;
  selected: string | null;
  onSelect: (id: string) => void;
  rowRef: React.RefObject<Map<string, HTMLTableRowElement>>;
  who: (id: string) => string;
  canRetract: (p: Pirep) => boolean;
  onRetract: (p: Pirep) => void;
  /** history: admins read the audit trail, so a PIREP's History tab is theirs */
  historyTenant: string | null;
}

const COLS = ['Observed (UTC)', 'Location', 'Altitude', 'Aircraft', 'Sky', 'Turbulence', 'Icing', 'Weather', 'Temp', 'Wind', 'Remarks', 'Notes', 'Submitted by'];

function PirepTable({ items, now, selected, onSelect, rowRef, who, canRetract, onRetract, historyTenant }: TableProps) {
  return (
    <table className="pirep-table stack" data-testid="pirep-feed">
      <thead>
        <tr>
          {COLS.map((c) => (
            <th key={c} scope="col">
              {c}
            </th>
          ))}
          <ActionsHeader />
        </tr>
      </thead>
      <tbody>
        {items.map((p) => {
          const r = reportOf(p);
          const urgent = isUrgent(p);
          const retracted = isRetracted(p);
          const t = obsTime(p);
          const note = timeNote(p);
          const warnings = warningsOf(p);
          const sel = p.id === selected;
          return (
            <tr
              key={p.id}
              ref={(el) => {
                if (el) rowRef.current.set(p.id, el);
                else rowRef.current.delete(p.id);
              }}
              className={[urgent ? 'urgent' : '', retracted ? 'retracted' : '', sel ? 'selected' : ''].join(' ').trim() || undefined}
              data-testid="pirep-item"
              data-pirep-id={p.id}
              data-urgent={urgent ? 'true' : 'false'}
              data-selected={sel ? 'true' : undefined}
              onClick={(e) => {
                if (!(e.target as HTMLElement).closest('button,summary,a,details')) onSelect(p.id);
              }}
            >
              <td data-label="Observed">
                <button type="button" className="link" aria-pressed={sel} onClick={() => onSelect(p.id)} data-testid="pirep-select" title={`${fmtUTC(t)}: show on the map`}>
                  <time dateTime={new Date(t).toISOString()}>{fmtUTC(t).slice(11)}</time>
                </button>
                <div className="small">
                  {fmtUTC(t).slice(5, 10)} · {fmtAge(t, now)}
                </div>
                {urgent && (
                  <span className="badge urgent" data-testid="pirep-urgent-badge">
                    URGENT
                  </span>
                )}
                {retracted && <span className="badge">retracted</span>}
                {!p.position && <span className="badge">not on map</span>}
              </td>
              <td data-label="Location" data-testid="pirep-location">
                {r.station ? <strong>{r.station}</strong> : null} {fmtLocation(r)}
              </td>
              <td data-label="Altitude" data-testid="pirep-altitude">
                {fmtAltitude(r)}
              </td>
              <td data-label="Aircraft" className="mono">
                {r.aircraft_type || '—'}
              </td>
              <td data-label="Sky">{fmtSky(r)}</td>
              <td data-label="Turbulence" data-testid="pirep-turbulence">
                {fmtTurbulence(r)}
              </td>
              <td data-label="Icing" data-testid="pirep-icing">
                {fmtIcing(r)}
              </td>
              <td data-label="Weather">{fmtWeather(r)}</td>
              <td data-label="Temp">{fmtTemp(r)}</td>
              <td data-label="Wind">{fmtWind(r)}</td>
              <td data-label="Remarks">{r.remarks ?? ''}</td>
              <td data-label="Notes" data-testid="pirep-notes">
                {urgent && (p.urgent_reasons?.length ?? 0) > 0 && (
                  <p className="reason" data-testid="pirep-urgent-reasons">
                    Urgent: {p.urgent_reasons!.join('; ')}
                  </p>
                )}
                {urgent && !(p.urgent_reasons?.length ?? 0) && <p className="reason">Urgent: reported as UUA</p>}
                {note && (
                  <p className="time-note" data-testid="pirep-time-note">
                    ⚠ {note}
                  </p>
                )}
                <Warnings warnings={warnings} testid="pirep-warnings" />
              </td>
              <td data-label="Submitted by">{who(p.submitted_by)}</td>
              <td data-label="Actions">
                <details>
                  <summary>Raw text</summary>
                  <code className="raw" data-testid="pirep-raw-text">
                    {p.raw}
                  </code>
                </details>
                {historyTenant && <HistoryButton tenantId={p.tenant_id || historyTenant} streamId={`pirep-${p.id}`} label={`the PIREP ${r.station ? r.station + ' ' : ''}${fmtUTC(t).slice(11)}`} testid="pirep-history" />}
                {canRetract(p) && (
                  <button type="button" className="danger" onClick={() => onRetract(p)} data-testid="pirep-retract">
                    Retract
                  </button>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function RetractDialog({ pirep, pending, error, onCancel, onConfirm }: { pirep: Pirep; pending: boolean; error: Error | null; onCancel: () => void; onConfirm: (reason: string) => void }) {
  const ref = useModal();
  const [reason, setReason] = useState('');
  const [err, setErr] = useState<string>();
  function submit(e: FormEvent) {
    e.preventDefault();
    if (!reason.trim()) {
      setErr('required: say why, e.g. "wrong position"');
      return;
    }
    onConfirm(reason);
  }
  return (
    <dialog ref={ref} aria-labelledby="retract-h" onCancel={onCancel} data-testid="retract-dialog">
      <form onSubmit={submit} noValidate>
        <h2 id="retract-h">Retract this PIREP?</h2>
        <p>
          <code className="raw">{pirep.raw}</code>
        </p>
        <p className="hint">It leaves every map and feed at once; the record is kept.</p>
        <Field label="Reason" value={reason} onChange={(e) => setReason(e.target.value)} error={err} testid="retract-reason" autoFocus />
        <FormError message={error?.message} />
        <div className="row">
          <button type="submit" className="danger" disabled={pending} data-testid="retract-confirm">
            {pending ? 'Retracting…' : 'Retract'}
          </button>
          <button type="button" className="secondary" onClick={onCancel} data-testid="retract-cancel">
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
