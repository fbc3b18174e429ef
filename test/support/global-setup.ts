import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort } from '../../infra/local/ports';
import { type StackInfo, startLocalStack } from '../../infra/local/stack';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackInfo & { dir: string; dynamodbEndpoint: string; dataApiEndpoint: string };
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
  const [api, dataApi, stepFunctions, dynamodb, postgres] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const stack = await startLocalStack({ dir, ports: { api, dataApi, stepFunctions, dynamodb, postgres }, fresh: true });
  project.provide('stack', { ...stack.info, dir, dynamodbEndpoint: `http://127.0.0.1:${dynamodb}`, dataApiEndpoint: `http://127.0.0.1:${dataApi}` });
  return async () => {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
