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
}

const format = (value: number) => (Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(2));

export function printTable(rows: BenchRow[]): string {
  const withDetail = rows.some((row) => row.detail !== undefined);
  const header = ['section', 'metric', 'value', 'baseline', 'ratio', ...(withDetail ? ['detail'] : [])];
  const lines = rows.map((row) => [
    row.section,
    row.metric,
    `${format(row.value)} ${row.unit}`,
    row.baseline ? `${format(row.baseline.value)} ${row.unit} (${row.baseline.name})` : '',
    row.baseline && row.baseline.value !== 0 ? `${(row.value / row.baseline.value).toFixed(2)}x` : '',
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
