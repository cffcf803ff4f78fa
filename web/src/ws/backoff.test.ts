import { describe, expect, it } from 'vitest';
import { backoffBounds, backoffDelay } from './backoff';

describe('backoffDelay', () => {
  it.each([
    { name: 'first attempt, low draw', attempt: 0, r: 0, want: 250 },
    { name: 'first attempt, high draw', attempt: 0, r: 0.999999, want: 499 },
    { name: 'third attempt, middle', attempt: 2, r: 0.5, want: 1500 },
    { name: 'capped, low draw', attempt: 12, r: 0, want: 15_000 },
    { name: 'capped, high draw', attempt: 40, r: 0.999999, want: 29_999 },
    { name: 'out-of-range random clamps', attempt: 1, r: 7, want: 999 },
  ])('$name', ({ attempt, r, want }) => {
    expect(backoffDelay(attempt, () => r)).toBe(want);
  });

  it('stays inside [cap/2, cap) for every attempt and many random draws', () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let attempt = 0; attempt < 20; attempt++) {
      const [lo, hi] = backoffBounds(attempt);
      const seen = new Set<number>();
      for (let i = 0; i < 200; i++) {
        const d = backoffDelay(attempt, rnd);
        expect(d).toBeGreaterThanOrEqual(lo);
        expect(d).toBeLessThan(hi);
        seen.add(d);
      }
      expect(seen.size).toBeGreaterThan(1); // jittered, not constant
    }
  });

  it('grows exponentially until the cap', () => {
    const mins = [0, 1, 2, 3, 4, 5, 6, 7].map((a) => backoffBounds(a)[1]);
    expect(mins).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });
});
