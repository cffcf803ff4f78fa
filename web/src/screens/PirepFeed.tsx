import { useMemo, useState } from 'react';
import { usePirepFeed } from '../api/hooks';
import type { Pirep } from '../api/types';
import { Field, FormError, SelectField } from '../components/Field';
import { altitudeOf } from '../pirep/format';
import { fmtTime } from './util';

export interface FeedFilter {
  urgentOnly: boolean;
  /** hours back from now; 0 = all */
  windowHours: number;
  /** hundreds of feet, inclusive; '' = open */
  minFL: string;
  maxFL: string;
}

export const NO_FILTER: FeedFilter = { urgentOnly: false, windowHours: 0, minFL: '', maxFL: '' };

function timeOf(p: Pirep): number {
  const t = Date.parse(p.received_at || p.observed_at);
  return isNaN(t) ? 0 : t;
}

/** filterFeed applies the feed filters and sorts newest first (pure; unit-tested). */
export function filterFeed(items: Pirep[], f: FeedFilter, now: number = Date.now()): Pirep[] {
  const min = f.minFL === '' ? null : Number(f.minFL);
  const max = f.maxFL === '' ? null : Number(f.maxFL);
  return items
    .filter((p) => {
      if (f.urgentOnly && !(p.urgent || p.type === 'UUA')) return false;
      if (f.windowHours > 0) {
        const t = Date.parse(p.observed_at || p.received_at);
        if (!isNaN(t) && now - t > f.windowHours * 3_600_000) return false;
      }
      if (min !== null || max !== null) {
        const lvl = (p.report as { altitude?: { level?: number } } | undefined)?.altitude?.level;
        const alt = typeof lvl === 'number' ? lvl : altitudeOf(p.raw);
        if (alt === null) return false;
        if (min !== null && alt < min) return false;
        if (max !== null && alt > max) return false;
      }
      return true;
    })
    .sort((a, b) => timeOf(b) - timeOf(a) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

export function PirepFeed() {
  const feed = usePirepFeed();
  const [f, setF] = useState<FeedFilter>(NO_FILTER);
  const items = useMemo(() => filterFeed(feed.data?.items ?? [], f), [feed.data, f]);
  const flError = (v: string) => (v !== '' && !/^\d{1,3}$/.test(v) ? 'hundreds of feet, 0-999' : undefined);

  return (
    <section aria-labelledby="feed-h">
      <h2 id="feed-h">Live PIREPs</h2>
      <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label>
            <input type="checkbox" checked={f.urgentOnly} onChange={(e) => setF({ ...f, urgentOnly: e.target.checked })} data-testid="filter-urgent" /> Urgent only
          </label>
        </div>
        <SelectField label="Time window" value={String(f.windowHours)} onChange={(e) => setF({ ...f, windowHours: Number(e.target.value) })} testid="filter-window">
          <option value="0">All</option>
          <option value="1">Last hour</option>
          <option value="3">Last 3 hours</option>
          <option value="6">Last 6 hours</option>
          <option value="24">Last 24 hours</option>
        </SelectField>
        <Field label="Min FL" inputMode="numeric" size={4} value={f.minFL} onChange={(e) => setF({ ...f, minFL: e.target.value.trim() })} error={flError(f.minFL)} testid="filter-minfl" />
        <Field label="Max FL" inputMode="numeric" size={4} value={f.maxFL} onChange={(e) => setF({ ...f, maxFL: e.target.value.trim() })} error={flError(f.maxFL)} testid="filter-maxfl" />
      </form>
      {feed.isPending && <p>Loading…</p>}
      {feed.error && <FormError message={(feed.error as Error).message} />}
      <p className="hint" aria-live="polite" data-testid="feed-count">
        {items.length} of {feed.data?.items.length ?? 0} reports
      </p>
      <ol className="feed" data-testid="pirep-feed">
        {items.map((p) => {
          const urgent = p.urgent || p.type === 'UUA';
          const retracted = !!(p.retracted || p.retracted_at || p.status === 'retracted');
          return (
            <li
              key={p.id}
              className={(urgent ? 'urgent' : '') + (retracted ? ' retracted' : '')}
              data-testid="pirep-item"
              data-pirep-id={p.id}
              data-urgent={urgent ? 'true' : 'false'}
            >
              <div className="row">
                {urgent && (
                  <span className="badge urgent" data-testid="pirep-urgent-badge">
                    URGENT
                  </span>
                )}
                {retracted && <span className="badge">retracted</span>}
                <time dateTime={p.observed_at}>{fmtTime(p.observed_at || p.received_at)}</time>
              </div>
              <code className="raw" data-testid="pirep-raw-text">
                {p.raw}
              </code>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
