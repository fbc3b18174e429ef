import { randomUUID } from 'node:crypto';
import { appendFileSync, chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort } from '../../infra/local/ports';
import { type StackInfo, startLocalStack } from '../../infra/local/stack';
import { startFakeVault } from './vault-server';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackInfo & { triggerOrg: string; dynamodbFaultsEndpoint: string; dir: string; dynamodbEndpoint: string; dataApiEndpoint: string; logFile: string; vaultAddress: string; vaultToken: string };
  }
}

/**
 * One local stack for the whole run, in a throw-away directory on free ports, so that tests never
 * touch a developer's `.local/` data nor collide with a running `npm start`. Test files isolate
 * themselves by using their own org ids.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'db-access-test-'));
  // PostgreSQL runs as the unprivileged `postgres` user, which must reach its data directory.
  chmodSync(dir, 0o755);
  const logFile = captureHandlerLogs(join(dir, 'handler-logs.jsonl'));
  const [api, dataApi, stepFunctions, dynamodb, postgres, vaultPort, dynamodbFaultsPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
  // Deployment settings of the handlers under test: a Vault to write to, short workflow retries.
  const vault = await startFakeVault(vaultPort, 'test-vault-token');
  // A Data API call gives up after 10 s (60 s in AWS), so that a stalled database can be tested.
  Object.assign(process.env, { VAULT_ADDR: vault.address, VAULT_TOKEN: vault.token, LOCAL_SFN_RETRY_INTERVAL_MS: '20', DATA_API_TIMEOUT_SECONDS: '10' });
  // Tag-triggered jobs go to an org no other test uses, so the trigger test counts only its own jobs.
  const triggerOrg = `trigger-${randomUUID()}`;
  const stack = await startLocalStack({ dir, ports: { api, dataApi, stepFunctions, dynamodb, postgres }, fresh: true, triggerOrg, dynamodbFaultsPort });
  project.provide('stack', { ...stack.info, triggerOrg, dynamodbFaultsEndpoint: `http://127.0.0.1:${dynamodbFaultsPort}`, dir, dynamodbEndpoint: `http://127.0.0.1:${dynamodb}`, dataApiEndpoint: `http://127.0.0.1:${dataApi}`, logFile, vaultAddress: vault.address, vaultToken: vault.token });
  return async () => {
    await stack.stop();
    await vault.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}

/**
 * The handlers run in this process; their structured logs (every level, with the incoming events)
 * go to a file that tests read, e.g. to prove no password was ever logged, instead of the console.
 */
function captureHandlerLogs(file: string): string {
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
  process.env.POWERTOOLS_DEV = 'false';
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      if (text.startsWith('{"')) {
        appendFileSync(file, text.endsWith('\n') ? text : `${text}\n`);
        return true;
      }
      return write(chunk, ...rest);
    }) as typeof stream.write;
  }
  return file;
}
