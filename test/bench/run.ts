/**
 * `npm run bench`: figures to compare over time, never thresholds. Starts its own local stack in a
 * temporary directory, prints one table and writes it as JSON under `.local/bench/`. Every figure of
 * the API, provisioning and job benches is the median of `RUNS` runs; the provisioning and job figures
 * are measured again at a cloud-like Data API latency, their metrics suffixed ` @<n>ms`.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../infra/local/ports';
import { type StackInfo, startLocalStack } from '../../infra/local/stack';
import { benchApi } from './api';
import { startSeparateStack } from '../support/npm-start';
import { benchBundles } from './bundles';
import { benchJobs } from './jobs';
import { benchProvisioning, cleanUpProvisioningBench, prepareProvisioningBench } from './provisioning';
import { benchSecrets } from './secrets';
import { type BenchRow, medianOfRuns, printTable, withSuffix, writeReport } from './report';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const RUNS = 3;
/** Per-call Data API latencies the provisioning and job figures are measured at: none, and about a cloud round trip. */
const LATENCIES_MS = [0, 20];

/** Sets the local Data API's per-call latency for every call, without restarting the stack. */
async function setDataApiLatency(stack: StackInfo, latencyMs: number): Promise<void> {
  const answer = await fetch(`http://127.0.0.1:${stack.ports.dataApi}/_local/latency`, { method: 'POST', body: JSON.stringify({ latency_ms: latencyMs }) });
  if (!answer.ok) throw new Error(`could not set the Data API latency: ${answer.status}`);
}

/** A bench at each latency, the median of its runs, suffixed with the latency when there is one. */
async function atEachLatency(stack: StackInfo, bench: () => Promise<BenchRow[]>): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const latencyMs of LATENCIES_MS) {
    await setDataApiLatency(stack, latencyMs);
    rows.push(...withSuffix(await medianOfRuns(RUNS, bench), latencyMs === 0 ? '' : ` @${latencyMs}ms`));
  }
  await setDataApiLatency(stack, 0);
  return rows;
}

/** `npm run bench -- api bundles` runs only the named sections; no names runs them all. */
const SECTIONS = ['bundles', 'api', 'provisioning', 'jobs', 'secrets'] as const;
const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(SECTIONS as readonly string[]).includes(name));
if (unknown.length > 0) throw new Error(`unknown bench section ${unknown.join(', ')}: choose from ${SECTIONS.join(', ')}`);
const runs = (section: (typeof SECTIONS)[number]) => asked.length === 0 || asked.includes(section);

const rows: BenchRow[] = [];
if (runs('bundles')) rows.push(...(await benchBundles()));

if (runs('api')) {
  const separate = await startSeparateStack();
  try {
    rows.push(...(await medianOfRuns(RUNS, () => benchApi(separate.info))));
  } finally {
    await separate.stop();
  }
}

const needsStack = SECTIONS.some((section) => !['bundles', 'api'].includes(section) && runs(section));
if (needsStack) {
  const dir = mkdtempSync(join(tmpdir(), 'db-access-bench-'));
  chmodSync(dir, 0o755);
  const [api, dataApi, stepFunctions, dynamodb, postgres] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const stack = await startLocalStack({ dir, ports: { api, dataApi, stepFunctions, dynamodb, postgres }, fresh: true });
  try {
    if (runs('provisioning')) {
      await prepareProvisioningBench(stack.info);
      rows.push(...(await atEachLatency(stack.info, () => benchProvisioning(stack.info))));
      await cleanUpProvisioningBench(stack.info);
    }
    if (runs('jobs')) rows.push(...(await atEachLatency(stack.info, () => benchJobs(stack.info))));
    if (runs('secrets')) rows.push(...(await benchSecrets({ ...stack.info, dir })));
  } finally {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

process.stdout.write(`${printTable(rows)}\n`);
const file = writeReport(rows, { at: new Date().toISOString(), node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model });
process.stdout.write(`written to ${file}\n`);
