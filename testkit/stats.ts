/** Percentiles and histograms of latency samples, for load and bench summaries. */

export interface Distribution {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of an ascending array; NaN when empty. */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(fraction * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function distribution(samples: readonly number[]): Distribution {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
  };
}

export interface Histogram {
  /** Upper bound of each bin in ms; the last bin also holds everything above. */
  upperMs: number[];
  counts: number[];
}

/** Bins on a roughly logarithmic scale from 1 ms to 10 s, so every mode fits one chart. */
export const LATENCY_BIN_UPPER_MS = [1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 500, 700, 1_000, 1_500, 2_000, 3_000, 5_000, 10_000];

export function histogram(samples: readonly number[], upperMs: readonly number[] = LATENCY_BIN_UPPER_MS): Histogram {
  const counts = upperMs.map(() => 0);
  for (const sample of samples) {
    let bin = upperMs.findIndex((upper) => sample <= upper);
    if (bin === -1) bin = upperMs.length - 1;
    counts[bin]!++;
  }
  return { upperMs: [...upperMs], counts };
}

/** The median of several runs' figures (bench repeats). */
export function median(values: readonly number[]): number {
  const finite = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const middle = Math.floor(finite.length / 2);
  return finite.length % 2 ? finite[middle]! : (finite[middle - 1]! + finite[middle]!) / 2;
}
