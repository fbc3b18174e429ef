import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { routes } from '../../functions/http/routes';
import { LAMBDA_BUNDLING } from '../../infra/bundling';
import { DBROLES_EXECUTION_ENDED_ENTRY, DBROLES_TASKS_ENTRY, handlerEntry, TAG_TRIGGER_ENTRY } from '../../infra/handlers';
import { type BenchRow, median } from './report';

const COLD_STARTS = 7;

/** Milliseconds a fresh Node process spends importing a bundle, as a Lambda cold start's init does. */
function coldImportMs(bundle: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(bundle)}); process.stdout.write(String(performance.now() - t));`;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, TABLE_NAME: 'bench', AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  return Number(output.toString());
}

/** Each Lambda bundle (handler groups, workflow Tasks, rule targets) built as CDK builds it: size, and cold import time next to an empty handler's. */
export async function benchBundles(): Promise<BenchRow[]> {
  const dir = resolve('.local', 'bench', 'bundles');
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

  const bundles = await Promise.all(
    entries.map(async ([name, entry]) => {
      const outfile = join(dir, `${name.replace(/\W+/g, '-')}.mjs`);
      await build({ ...LAMBDA_BUNDLING, banner: { js: LAMBDA_BUNDLING.banner }, mainFields: [...LAMBDA_BUNDLING.mainFields], entryPoints: [entry], bundle: true, outfile, logLevel: 'error' });
      return { name, outfile, bytes: statSync(outfile).size };
    }),
  );
  const timed = bundles.map((bundle) => ({ ...bundle, initMs: median(Array.from({ length: COLD_STARTS }, () => coldImportMs(bundle.outfile))) }));
  const empty = timed[0];
  if (!empty) throw new Error('no empty bundle');
  return timed.slice(1).flatMap((bundle) => [
    { section: 'bundle', metric: `${bundle.name} size`, value: bundle.bytes / 1024, unit: 'KiB', baseline: { name: 'empty handler', value: empty.bytes / 1024 } },
    { section: 'bundle', metric: `${bundle.name} cold init (median of ${COLD_STARTS})`, value: bundle.initMs, unit: 'ms', baseline: { name: 'empty handler', value: empty.initMs } },
  ]);
}
