// Interleaved measurement: systems run round by round, each round times every system once, and
// the reported figure is the median of per-round ratios, so slow phases of a noisy machine hit
// all systems alike.

export interface System {
  readonly name: string;
  /** Runs one unit of work (e.g. one query); returns something so the work can't be elided. */
  readonly run: () => unknown | Promise<unknown>;
}

export interface Measurement {
  readonly name: string;
  /** Median time of one unit of work, in milliseconds. */
  readonly medianMs: number;
  /** Median over rounds of (this system's time / the baseline's time). */
  readonly ratio: number;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

let sink = 0;
function consume(value: unknown): void {
  sink ^= Array.isArray(value) ? value.length : typeof value === 'object' && value !== null ? 1 : 0;
}

/** The first system is the baseline. `repeat` units of work per timing. */
export async function compare(
  systems: readonly System[],
  {
    rounds = 15,
    repeat = 5,
    warmup = 3,
  }: { rounds?: number; repeat?: number; warmup?: number } = {},
): Promise<Measurement[]> {
  for (let i = 0; i < warmup; i++) for (const system of systems) consume(await system.run());
  const times = systems.map(() => [] as number[]);
  const ratios = systems.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    const roundTimes: number[] = [];
    // Alternate the order each round so neither system always runs on a warm cache.
    const order =
      round % 2 === 0 ? systems.map((_, i) => i) : systems.map((_, i) => systems.length - 1 - i);
    for (const i of order) {
      const start = performance.now();
      for (let r = 0; r < repeat; r++) consume(await systems[i]!.run());
      roundTimes[i] = (performance.now() - start) / repeat;
    }
    roundTimes.forEach((t, i) => {
      times[i]!.push(t);
      ratios[i]!.push(t / roundTimes[0]!);
    });
  }
  if (sink === 42.5) console.log('unreachable');
  return systems.map((system, i) => ({
    name: system.name,
    medianMs: median(times[i]!),
    ratio: median(ratios[i]!),
  }));
}

export function table(title: string, rows: readonly Measurement[]): string {
  const lines = [`\n${title}`, '| system | median per op | ratio to baseline |', '|---|---:|---:|'];
  for (const row of rows) {
    const ms =
      row.medianMs >= 1
        ? `${row.medianMs.toFixed(2)} ms`
        : `${(row.medianMs * 1000).toFixed(1)} µs`;
    lines.push(`| ${row.name} | ${ms} | ${row.ratio.toFixed(2)}× |`);
  }
  return lines.join('\n');
}
