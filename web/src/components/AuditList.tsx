// One audit trail rendered as a table that becomes labelled cards on a
// phone: time (UTC and age), actor, summary, type, the payload on demand,
// and "Load more" while the API has a next cursor.
import type { InfiniteData, UseInfiniteQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import type { AuditEntry, Page } from '../api/types';
import { fmtAge, fmtUTC } from '../pirep/decode';
import { useNow } from '../screens/useNow';
import { QueryState } from './Table';

export function AuditList({
  q,
  testid = 'audit-list',
  caption,
  compact = false,
}: {
  q: UseInfiniteQueryResult<InfiniteData<Page<AuditEntry>>, Error>;
  testid?: string;
  caption: string;
  /** compact: a list instead of a table, for a History tab inside a row or a card */
  compact?: boolean;
}) {
  const now = useNow();
  const items = q.data?.pages.flatMap((p) => p.items ?? []) ?? [];
  return (
    <div>
      <QueryState q={q} />
      {!q.isPending && !q.error && items.length === 0 && (
        <p className="small" data-testid={testid + '-empty'}>
          No entries.
        </p>
      )}
      {items.length > 0 && compact && (
        <ol className="history-list" data-testid={testid} aria-label={caption}>
          {items.map((e) => {
            const t = Date.parse(e.occurred_at);
            return (
              <li key={e.event_id} data-testid="audit-item" data-type={e.type} data-stream-id={e.stream_id}>
                <div className="small">
                  <time dateTime={e.occurred_at}>{isNaN(t) ? e.occurred_at : fmtUTC(t)}</time>
                  {!isNaN(t) && ` · ${fmtAge(t, now)}`} · <span data-testid="audit-actor">{actorName(e)}</span>
                </div>
                <div data-testid="audit-summary">{e.summary}</div>
                <Payload entry={e}>
                  <code>{e.type}</code> payload
                </Payload>
              </li>
            );
          })}
        </ol>
      )}
      {items.length > 0 && !compact && (
        <table className="stack audit-table" data-testid={testid}>
          <caption className="sr-only">{caption}</caption>
          <thead>
            <tr>
              <th scope="col">Time (UTC)</th>
              <th scope="col">Actor</th>
              <th scope="col">Summary</th>
              <th scope="col">Type</th>
              <th scope="col">Payload</th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => {
              const t = Date.parse(e.occurred_at);
              return (
                <tr key={e.event_id} data-testid="audit-item" data-type={e.type} data-stream-id={e.stream_id}>
                  <td data-label="Time">
                    <time dateTime={e.occurred_at}>{isNaN(t) ? e.occurred_at : fmtUTC(t)}</time>
                    {!isNaN(t) && <div className="small">{fmtAge(t, now)}</div>}
                  </td>
                  <td data-label="Actor" data-testid="audit-actor">
                    {actorName(e)}
                    {e.actor?.kind === 'system' && <span className="badge">system</span>}
                  </td>
                  <td data-label="Summary" data-testid="audit-summary">
                    {e.summary}
                  </td>
                  <td data-label="Type">
                    <code>{e.type}</code>
                    <div className="small mono">{e.stream_id} v{e.version}</div>
                  </td>
                  <td data-label="Payload">
                    <Payload entry={e}>Show payload</Payload>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {q.hasNextPage && (
        <button type="button" className="secondary" disabled={q.isFetchingNextPage} onClick={() => void q.fetchNextPage()} data-testid={testid + '-more'}>
          {q.isFetchingNextPage ? 'Loading…' : 'Load more'}
        </button>
      )}
    </div>
  );
}

function actorName(e: AuditEntry): string {
  return e.actor?.display_name || e.actor?.id || '—';
}

/** Payload is an entry's data, shown on demand under the summary line given as children. */
function Payload({ entry, children }: { entry: AuditEntry; children: ReactNode }) {
  return (
    <details>
      <summary>{children}</summary>
      <pre className="payload" data-testid="audit-payload">
        {JSON.stringify(entry.data ?? {}, null, 2)}
      </pre>
    </details>
  );
}
