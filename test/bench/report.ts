import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One measured figure, next to the baseline it should be read against. */
export interface BenchRow {
  section: string;
  metric: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  /** A note printed beside the figure, e.g. what a bundle is made of. */
  detail?: string;
  /** How many runs the figure is the median of (`medianOfRuns`); unset for a figure measured once. */
  runs?: number;
}

const format = (value: number) => (Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(2));

export function printTable(rows: BenchRow[]): string {
  const withDetail = rows.some((row) => row.detail !== undefined);
  const header = ['section', 'metric', 'value', 'baseline', 'ratio', 'runs', ...(withDetail ? ['detail'] : [])];
  const lines = rows.map((row) => [
    row.section,
    row.metric,
    `${format(row.value)} ${row.unit}`,
    row.baseline ? `${format(row.baseline.value)} ${row.unit} (${row.baseline.name})` : '',
    row.baseline && row.baseline.value !== 0 ? `${(row.value / row.baseline.value).toFixed(2)}x` : '',
    row.runs ? `median of ${row.runs}` : '',
    ...(withDetail ? [row.detail ?? ''] : []),
  ]);
  const widths = header.map((title, index) => Math.max(title.length, ...lines.map((line) => line[index]?.length ?? 0)));
  const render = (cells: string[]) => `| ${cells.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join(' | ')} |`;
  return [render(header), render(widths.map((width) => '-'.repeat(width))), ...lines.map(render)].join('\n');
}

/** Writes the run as JSON under `.local/bench/` (git-ignored): one file per run plus `latest.json`. */
export function writeReport(rows: BenchRow[], meta: Record<string, unknown>): string {
  const dir = join('.local', 'bench');
  mkdirSync(dir, { recursive: true });
  const report = { ...meta, rows };
  const file = join(dir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

export function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
}

export function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 0.5);
}

/**
 * Runs a bench `runs` times, one after the other, and answers each figure (value and baseline alike)
 * as the median of its runs, so that one run disturbed by the shared machine does not make the figure.
 * Figures are matched by section and metric, which must not change from run to run.
 */
export async function medianOfRuns(runs: number, bench: () => Promise<BenchRow[]>): Promise<BenchRow[]> {
  const results: BenchRow[][] = [];
  for (let run = 0; run < runs; run++) results.push(await bench());
  return (results[0] ?? []).map((row) => {
    const same = results.map((result) => result.find((candidate) => candidate.section === row.section && candidate.metric === row.metric));
    if (same.some((candidate) => candidate === undefined)) throw new Error(`bench figure "${row.metric}" is missing from a run`);
    const baselines = same.flatMap((candidate) => (candidate?.baseline ? [candidate.baseline.value] : []));
    return {
      ...row,
      value: median(same.map((candidate) => candidate?.value ?? Number.NaN)),
      baseline: row.baseline && { name: row.baseline.name, value: median(baselines) },
      runs,
    };
  });
}

/** The same figures with a suffix to their metric, e.g. ` @20ms` for those measured at a Data API latency. */
export function withSuffix(rows: BenchRow[], suffix: string): BenchRow[] {
  return rows.map((row) => ({ ...row, metric: `${row.metric}${suffix}` }));
}
