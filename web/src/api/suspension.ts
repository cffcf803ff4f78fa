// Whether the signed-in user's tenant is suspended: the API answers every
// request of its users with 403 tenant_suspended. The console shows one
// clear message instead of each screen's error, and the WebSocket client
// stops reconnecting. Any successful authenticated answer clears it (the
// tenant was reactivated), and so does the end of the session (App).
type Listener = () => void;
const listeners = new Set<Listener>();
let suspended = false;

export function isSuspended(): boolean {
  return suspended;
}

export function setSuspended(v: boolean): void {
  if (v === suspended) return;
  suspended = v;
  listeners.forEach((l) => l());
}

export function subscribeSuspended(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export const TENANT_SUSPENDED = 'tenant_suspended';
