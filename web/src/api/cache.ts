// In-place updates of cached lists (Page<T>), shared by the mutations
// (read-your-writes) and the WebSocket mapper.
import type { QueryClient, QueryKey } from '@tanstack/react-query';
import type { Page, Pirep } from './types';

export interface UpsertOptions {
  /** prepend puts a new item first instead of last. */
  prepend?: boolean;
  /** insert=false only merges into an item already listed. */
  insert?: boolean;
}

/** upsertItem returns the page with item merged into its entry, or added (per opts); old unchanged when not a page. */
function upsertItem<T extends { id: string }>(old: Page<T> | undefined, item: T, opts: UpsertOptions): Page<T> | undefined {
  if (!old || !Array.isArray(old.items)) return old;
  const i = old.items.findIndex((x) => x.id === item.id);
  if (i >= 0) {
    const items = old.items.slice();
    items[i] = { ...items[i], ...item };
    return { ...old, items };
  }
  if (opts.insert === false) return old;
  return { ...old, items: opts.prepend ? [item, ...old.items] : [...old.items, item] };
}

/**
 * upsertInPage puts a resource the server just returned into the cached list
 * at exactly key (read-your-writes): the read model behind the list is
 * updated asynchronously, and the WebSocket event that follows the
 * projection invalidates the list, so an immediate refetch could still miss
 * the write.
 */
export function upsertInPage<T extends { id: string }>(qc: QueryClient, key: QueryKey, item: T, opts: UpsertOptions = {}): void {
  qc.setQueryData<Page<T>>(key, (old) => upsertItem(old, item, opts));
}

/** upsertInPages is upsertInPage over every cached list whose key starts with prefix. */
export function upsertInPages<T extends { id: string }>(qc: QueryClient, prefix: QueryKey, item: T, opts: UpsertOptions = {}): void {
  qc.setQueriesData<Page<T>>({ queryKey: prefix }, (old) => upsertItem(old, item, opts));
}

/** markRetracted marks PIREP id retracted in every cached ['pireps', ...] list, merging patch (the server's copy) first. */
export function markRetracted(qc: QueryClient, id: string, patch?: Partial<Pirep>): void {
  qc.setQueriesData<Page<Pirep>>({ queryKey: ['pireps'] }, (old) =>
    old && Array.isArray(old.items)
      ? { ...old, items: old.items.map((x) => (x.id === id ? { ...x, ...patch, status: 'retracted', retracted: true } : x)) }
      : old,
  );
}
