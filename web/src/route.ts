// Hash routing: "#/<page>/<arg>?<query>". The query carries screen state that
// must survive a reload or a shared link (the PIREP filters).
import { useMemo, useSyncExternalStore } from 'react';

const EVT = 'skyledger:route';

function subscribe(l: () => void) {
  window.addEventListener('hashchange', l);
  window.addEventListener(EVT, l);
  return () => {
    window.removeEventListener('hashchange', l);
    window.removeEventListener(EVT, l);
  };
}

export interface Route {
  path: string[];
  query: URLSearchParams;
}

export function parseHash(h: string): Route {
  const s = h.replace(/^#\/?/, '');
  const i = s.indexOf('?');
  const p = i >= 0 ? s.slice(0, i) : s;
  return { path: p.split('/').filter(Boolean), query: new URLSearchParams(i >= 0 ? s.slice(i + 1) : '') };
}

export function useHash(): string {
  return useSyncExternalStore(subscribe, () => location.hash);
}

/** useRoute is the current route, the same object until the hash changes. */
export function useRoute(): Route {
  const h = useHash();
  return useMemo(() => parseHash(h), [h]);
}

/**
 * setQuery replaces the current page's query without adding a history entry
 * (filters change on every keystroke) and notifies the route subscribers.
 */
export function setQuery(q: URLSearchParams): void {
  const { path } = parseHash(location.hash);
  const qs = q.toString();
  const next = `#/${path.join('/')}${qs ? '?' + qs : ''}`;
  if (next === location.hash) return;
  history.replaceState(history.state, '', next);
  window.dispatchEvent(new Event(EVT));
}
