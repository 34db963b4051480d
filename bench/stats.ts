/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export const median = (samples: readonly number[]): number => percentile(samples, 50);

/**
 * Sustained rate (per second) of arrival times in ms: over the middle 80 % of arrivals, so the
 * opening burst a token bucket allows and the thin tail do not flatter or hide the steady pace.
 * Falls back to the whole span with fewer than 20 arrivals.
 */
export function sustainedRate(times: readonly number[]): number {
  if (times.length < 2) return Number.NaN;
  const sorted = [...times].sort((a, b) => a - b);
  const n = sorted.length;
  const [i0, i1] = n < 20 ? [0, n - 1] : [Math.floor(n * 0.1), Math.ceil(n * 0.9) - 1];
  const span = (sorted[i1] ?? 0) - (sorted[i0] ?? 0);
  return span > 0 ? ((i1 - i0) * 1000) / span : Number.NaN;
}

/** Milliseconds between two instants, formatted for the table. */
export const ms = (v: number): string =>
  Number.isNaN(v)
    ? 'n/a'
    : v >= 10_000
      ? `${(v / 1000).toFixed(1)} s`
      : `${v.toFixed(v < 10 ? 1 : 0)} ms`;

export const pct = (v: number): string => (Number.isNaN(v) ? 'n/a' : `${(v * 100).toFixed(1)} %`);
