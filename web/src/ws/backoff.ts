/**
 * backoffDelay is the wait before reconnect attempt number `attempt`
 * (0-based): exponential growth from baseMs, capped at maxMs, with "equal
 * jitter" — a uniformly random point in [cap/2, cap). The lower bound keeps a
 * storm of clients from hammering a recovering server; the jitter spreads
 * them out. random must return a number in [0, 1).
 */
export function backoffDelay(attempt: number, random: () => number, baseMs = 500, maxMs = 30_000): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempt, 30)));
  const r = Math.min(Math.max(random(), 0), 0.999999);
  return Math.floor(exp / 2 + r * (exp / 2));
}

/** backoffBounds returns the [min, max) range backoffDelay draws from. */
export function backoffBounds(attempt: number, baseMs = 500, maxMs = 30_000): [number, number] {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempt, 30)));
  return [Math.floor(exp / 2), exp];
}
