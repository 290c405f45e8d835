// Small statistics helpers for benchmarks: medians and percentiles over measured samples.

export type Metric = { value: number; unit: string };
export type Metrics = Record<string, Metric>;

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export const median = (samples: readonly number[]) => percentile(samples, 50);

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

export { sleep } from '../test/helpers/wait';

/** A benchmark file run on its own (`node --import tsx bench/<file>.ts`): its metrics as JSON, exit 1 on a failure. */
export function printMetrics(run: () => Promise<Metrics>): void {
  run().then(
    (m) => {
      process.stdout.write(`${JSON.stringify(m, null, 2)}\n`);
      process.exit(0);
    },
    (err) => {
      process.stderr.write(`${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
}
