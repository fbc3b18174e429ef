import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Metafile } from 'esbuild';
import { routes } from '../../functions/http/routes';
import { buildLambdaBundle, bundleFootprint, LAMBDA_ENTRY_FILE } from '../../infra/bundling';
import { DBROLES_EXECUTION_ENDED_ENTRY, DBROLES_TASKS_ENTRY, handlerEntry, TAG_TRIGGER_ENTRY } from '../../infra/handlers';
import { type BenchRow, median } from './report';

const COLD_STARTS = 7;
const LARGEST_INPUTS = 5;

/** What an input file counts under: its npm package (`zod`, `@smithy/core`), or its path for the project's own files. */
function inputOwner(path: string): string {
  const at = path.lastIndexOf('node_modules/');
  if (at < 0) return path;
  const [scope = '', name = ''] = path.slice(at + 'node_modules/'.length).split('/');
  return scope.startsWith('@') ? `${scope}/${name}` : scope;
}

/** The inputs that take most of some output files (a cold start's), from esbuild's metafile: package or file, and the KiB it leaves in them. */
export function largestInputs(metafile: Metafile, outfiles: string[], count = LARGEST_INPUTS): { input: string; kib: number }[] {
  const bytes = new Map<string, number>();
  for (const outfile of outfiles) {
    const output = Object.entries(metafile.outputs).find(([path]) => resolve(path) === resolve(outfile))?.[1];
    if (!output) throw new Error(`no output ${outfile} in the metafile`);
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const owner = inputOwner(path);
      bytes.set(owner, (bytes.get(owner) ?? 0) + bytesInOutput);
    }
  }
  return [...bytes]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([input, size]) => ({ input, kib: size / 1024 }));
}

/** Milliseconds a fresh Node process spends importing a bundle, as a Lambda cold start's init does. */
function coldImportMs(bundle: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(bundle)}); process.stdout.write(String(performance.now() - t));`;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, TABLE_NAME: 'bench', AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  return Number(output.toString());
}

/**
 * Each Lambda bundle (handler groups, workflow Tasks, rule targets) built as CDK builds it: what it
 * loads at cold start and on demand, and its cold import time next to an empty handler's.
 */
export async function benchBundles(): Promise<BenchRow[]> {
  const dir = resolve('.local', 'bench', 'bundles');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const emptyEntry = join(dir, 'empty-handler.ts');
  writeFileSync(emptyEntry, 'export const handler = async () => ({ statusCode: 200, body: "" });\n');
  const groups = [...new Set(routes.map((route) => route.group))];
  const entries: [string, string][] = [
    ['empty handler', emptyEntry],
    ...groups.map((group): [string, string] => [group, handlerEntry(group)]),
    ['dbroles-tasks', DBROLES_TASKS_ENTRY],
    ['dbroles-execution-ended', DBROLES_EXECUTION_ENDED_ENTRY],
    ['tag-trigger', TAG_TRIGGER_ENTRY],
  ];

  const bundles = entries.map(([name, entry]) => {
    const outdir = join(dir, name.replace(/\W+/g, '-'));
    const metafile = buildLambdaBundle(entry, outdir);
    const footprint = bundleFootprint(metafile, outdir);
    const inputs = largestInputs(metafile, footprint.initFiles);
    return { name, outfile: join(outdir, LAMBDA_ENTRY_FILE), footprint, largest: inputs.map(({ input, kib }) => `${input} ${kib.toFixed(0)}`).join(', ') };
  });
  const timed = bundles.map((bundle) => ({ ...bundle, initMs: median(Array.from({ length: COLD_STARTS }, () => coldImportMs(bundle.outfile))) }));
  const empty = timed[0];
  if (!empty) throw new Error('no empty bundle');
  const kib = (bytes: number) => bytes / 1024;
  return timed.slice(1).flatMap((bundle) => [
    {
      section: 'bundle',
      metric: `${bundle.name} size`,
      value: kib(bundle.footprint.initBytes),
      unit: 'KiB',
      baseline: { name: 'empty handler', value: kib(empty.footprint.initBytes) },
      detail: `loaded at cold start (${bundle.footprint.initFiles.length} files); largest inputs (KiB): ${bundle.largest}`,
    },
    {
      section: 'bundle',
      metric: `${bundle.name} loaded on demand`,
      value: kib(bundle.footprint.lazyBytes),
      unit: 'KiB',
      detail: `${bundle.footprint.lazyFiles.length} chunks, loaded by the first request that needs them`,
    },
    { section: 'bundle', metric: `${bundle.name} cold init (median of ${COLD_STARTS})`, value: bundle.initMs, unit: 'ms', baseline: { name: 'empty handler', value: empty.initMs } },
  ]);
}
