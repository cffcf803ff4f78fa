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

// Whether this browser has seen the platform exist (a sign-in, a bootstrap,
// a bootstrap answered "already bootstrapped", or GET /api/bootstrap said
// so): the sign-in page then hides its bootstrap link.
const BOOT_KEY = 'skyledger.bootstrapped';
export function markBootstrapped(): void {
  try {
    localStorage.setItem(BOOT_KEY, '1');
  } catch {
    // storage disabled: the link stays
  }
}
export function knownBootstrapped(): boolean {
  try {
    return localStorage.getItem(BOOT_KEY) === '1';
  } catch {
    return false;
  }
}

// A secret shown once after the screen that produced it is gone (the
// bootstrap's API key, when the server signs the browser in with a session).
let oneTime: string | null = null;
export function setOneTimeSecret(s: string | null): void {
  oneTime = s;
}
export function takeOneTimeSecret(): string | null {
  const s = oneTime;
  oneTime = null;
  return s;
}
