// The session is the client's own credential (the Bearer key), kept in
// sessionStorage so a tab forgets it when closed. It is not server state: who
// the user is comes from GET /api/users/me through TanStack Query.

const STORAGE_KEY = 'skyledger.session';

export interface Session {
  key: string;
  expires_at?: string | null;
}

type Listener = () => void;
const listeners = new Set<Listener>();
let cached: Session | null | undefined;

function read(): Session | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as Session;
    return typeof s?.key === 'string' && s.key !== '' ? s : null;
  } catch {
    return null;
  }
}

/** getSession returns the current session (stable identity between changes). */
export function getSession(): Session | null {
  if (cached === undefined) cached = read();
  return cached;
}

/** setSession stores a session (null clears it) and notifies subscribers. */
export function setSession(s: Session | null): void {
  if (s) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(s));
  else sessionStorage.removeItem(STORAGE_KEY);
  cached = s;
  listeners.forEach((l) => l());
}

/** subscribeSession is the useSyncExternalStore subscription. */
export function subscribeSession(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}
