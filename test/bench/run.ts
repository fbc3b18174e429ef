/**
 * `npm run bench`: figures to compare over time, never thresholds. Starts its own local stack in a
 * temporary directory, prints one table and writes it as JSON under `.local/bench/`.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../infra/local/ports';
import { startLocalStack } from '../../infra/local/stack';
import { benchApi } from './api';
import { benchBundles } from './bundles';
import { benchJobs } from './jobs';
import { benchProvisioning } from './provisioning';
import { benchSecrets } from './secrets';
import { type BenchRow, printTable, writeReport } from './report';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const rows: BenchRow[] = [];
rows.push(...(await benchBundles()));

const dir = mkdtempSync(join(tmpdir(), 'db-access-bench-'));
chmodSync(dir, 0o755);
const [api, dataApi, stepFunctions, dynamodb, postgres] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
const stack = await startLocalStack({ dir, ports: { api, dataApi, stepFunctions, dynamodb, postgres }, fresh: true });
try {
  rows.push(...(await benchApi({ ...stack.info, dynamodbEndpoint: `http://127.0.0.1:${dynamodb}` })));
  rows.push(...(await benchProvisioning(stack.info)));
  rows.push(...(await benchJobs(stack.info)));
  rows.push(...(await benchSecrets({ ...stack.info, dir, dynamodbEndpoint: `http://127.0.0.1:${dynamodb}` })));
} finally {
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
}

process.stdout.write(`${printTable(rows)}\n`);
const file = writeReport(rows, { at: new Date().toISOString(), node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model });
process.stdout.write(`written to ${file}\n`);
