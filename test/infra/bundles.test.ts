import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildLambdaBundle, bundleFootprint } from '../../infra/bundling';
import { DBROLES_TASKS_ENTRY, handlerEntry } from '../../infra/handlers';
import type { Metafile } from 'esbuild';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A bundle built as the stack builds it, and the packages in what it loads at cold start and on demand. */
function built(entry: string) {
  const outdir = mkdtempSync(join(tmpdir(), 'lambda-bundle-'));
  dirs.push(outdir);
  const metafile: Metafile = buildLambdaBundle(entry, outdir);
  const footprint = bundleFootprint(metafile, outdir);
  const inputsOf = (files: string[]) => files.flatMap((file) => Object.keys(metafile.outputs[file]?.inputs ?? {}));
  return { footprint, initInputs: inputsOf(footprint.initFiles), lazyInputs: inputsOf(footprint.lazyFiles) };
}

const has = (inputs: string[], fragment: string) => inputs.some((input) => input.includes(fragment));

describe('Lambda bundles', () => {
  it('load the Encryption SDK and the KMS client with the first secret, not at the cold start of the resources function', () => {
    // Act
    const { footprint, initInputs, lazyInputs } = built(handlerEntry('resources'));

    // Assess: the entry and its static chunks carry the DynamoDB client but none of the sealer's packages
    expect(footprint.initFiles[0]).toMatch(/index\.mjs$/);
    expect(has(initInputs, 'node_modules/@aws-sdk/client-dynamodb/')).toBe(true);
    for (const heavy of ['node_modules/@aws-crypto/', 'node_modules/@aws-sdk/client-kms/', 'node_modules/@aws-lambda-powertools/idempotency/']) {
      expect(has(initInputs, heavy), heavy).toBe(false);
      expect(has(lazyInputs, heavy), heavy).toBe(true);
    }
    expect(footprint.lazyBytes).toBeGreaterThan(0);
  });

  it('give the workflow Tasks what only some of them use (Data API, the resources use cases, Encryption SDK, Secrets Manager, EventBridge) on demand', () => {
    // Act
    const { initInputs, lazyInputs } = built(DBROLES_TASKS_ENTRY);

    // Assess: every Task reads and writes its job
    expect(has(initInputs, 'node_modules/@aws-sdk/client-dynamodb/')).toBe(true);
    for (const heavy of [
      'node_modules/@aws-sdk/client-rds-data/',
      'functions/core/resources/use-cases',
      'node_modules/@aws-crypto/',
      'node_modules/@aws-sdk/client-secrets-manager/',
      'node_modules/@aws-sdk/client-eventbridge/',
    ]) {
      expect(has(initInputs, heavy), heavy).toBe(false);
      expect(has(lazyInputs, heavy), heavy).toBe(true);
    }
  });

  it('leave what only job creation calls (the RDS describer, Step Functions) out of the jobs API cold start', () => {
    // Act
    const { initInputs, lazyInputs } = built(handlerEntry('dbroles'));

    // Assess
    for (const creationOnly of ['node_modules/@aws-sdk/client-rds/', 'node_modules/@aws-sdk/client-sts/', 'node_modules/@aws-sdk/client-sfn/']) {
      expect(has(initInputs, creationOnly), creationOnly).toBe(false);
      expect(has(lazyInputs, creationOnly), creationOnly).toBe(true);
    }
  });

  it('give the OpenAPI function its document built at bundling, with no schema to load or build', () => {
    // Act
    const { footprint, initInputs } = built(handlerEntry('openapi'));

    // Assess: no response schema, no request schema module, no JSON Schema generator, nothing on demand
    for (const generator of ['functions/http/openapi.ts', 'functions/http/schemas/responses.ts', 'functions/http/schemas/resources.ts', 'zod/v4/core/to-json-schema']) {
      expect(has(initInputs, generator), generator).toBe(false);
    }
    expect(footprint.lazyFiles).toEqual([]);
  });
});
