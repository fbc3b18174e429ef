import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { LOCAL_AWS_ENV } from '../../infra/local/dynamodb';
import { IDEMPOTENCY_TABLE_NAME, SECRETS_KEY_FILE, TABLE_NAME } from '../../infra/local/stack';
import { buildLambdaBundle, LAMBDA_ENTRY_FILE } from '../../infra/bundling';
import { handlerEntry } from '../../infra/handlers';
import { buildOpenApiDocument } from '../../functions/http/openapi';
import { newOrg, tokenFor } from '../support/api';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A function's bundle exactly as the stack stages it, in a directory of its own. */
function bundled(entry: string): string {
  const outdir = mkdtempSync(join(tmpdir(), 'lambda-bundle-'));
  dirs.push(outdir);
  buildLambdaBundle(entry, outdir);
  return outdir;
}

interface Invocation {
  routeKey: string;
  path: string;
  pathParameters?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * Invokes the deployed form of a function (the bundle CDK stages: its entry and its chunks) in a
 * fresh Node process, as a Lambda cold start does, with API Gateway's JWT authorizer events.
 */
function invokeBundle(outdir: string, caller: { org: string; sub: string; token: string }, invocations: Invocation[]): { statusCode: number; body?: string }[] {
  const stack = inject('stack');
  const events = invocations.map((invocation, index) => ({
    version: '2.0',
    routeKey: invocation.routeKey,
    rawPath: invocation.path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${caller.token}`, ...invocation.headers },
    pathParameters: invocation.pathParameters,
    body: invocation.body === undefined ? undefined : JSON.stringify(invocation.body),
    isBase64Encoded: false,
    requestContext: {
      requestId: `bundle-${index}`,
      routeKey: invocation.routeKey,
      http: { method: invocation.routeKey.split(' ')[0], path: invocation.path },
      // What API Gateway's JWT authorizer verified (it flattens the groups array into "[a b]").
      authorizer: { jwt: { claims: { org_id: caller.org, groups: '[admin]', sub: caller.sub }, scopes: [] } },
    },
  }));
  const script = `
    const { handler } = await import(${JSON.stringify(join(outdir, LAMBDA_ENTRY_FILE))});
    const answers = [];
    for (const [index, event] of JSON.parse(process.env.EVENTS).entries()) {
      const deadline = Date.now() + 29000;
      const context = { awsRequestId: 'bundle-' + index, functionName: 'resources', getRemainingTimeInMillis: () => deadline - Date.now() };
      answers.push(await handler(event, context));
    }
    process.stdout.write(JSON.stringify(answers));`;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      PATH: process.env.PATH,
      ...LOCAL_AWS_ENV,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      TABLE_NAME,
      IDEMPOTENCY_TABLE_NAME,
      DYNAMODB_ENDPOINT: stack.dynamodbEndpoint,
      SECRETS_LOCAL_KEY_FILE: join(stack.dir, SECRETS_KEY_FILE),
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      EVENTS: JSON.stringify(events),
    },
  });
  return JSON.parse(output.toString());
}

describe('the deployed bundle', () => {
  it('of the resources function serves a create, a read and a reveal, loading the sealer and the idempotency store on demand', async () => {
    // Prepare
    const outdir = bundled(handlerEntry('resources'));
    const org = newOrg('bundle');
    const caller = { org, sub: `user-${org}`, token: await tokenFor({ org, groups: ['admin'] }) };
    const resource = { name: 'bundled-db', type: 'database', subtype: 'postgres', env_vars: { HOST: 'db.internal', PASS: 'hunter2-bundle' }, roles: [{ name: 'bundled-ro', type: 'database', secret: { envvar: 'c2VjcmV0LXZhbHVl' } }] };

    // Act: one cold process, three requests
    const [created, read, revealed] = invokeBundle(outdir, caller, [
      { routeKey: 'POST /api/resources', path: '/api/resources', body: resource, headers: { 'idempotency-key': 'bundle-create-1' } },
      { routeKey: 'GET /api/resources/{name}', path: '/api/resources/bundled-db', pathParameters: { name: 'bundled-db' } },
      { routeKey: 'GET /api/resources/{name}/roles/{role}/credentials', path: '/api/resources/bundled-db/roles/bundled-ro/credentials', pathParameters: { name: 'bundled-db', role: 'bundled-ro' } },
    ]);

    // Assess: stored sealed, read masked, revealed intact
    expect(created?.statusCode, created?.body).toBe(201);
    expect(read?.statusCode, read?.body).toBe(200);
    expect(JSON.parse(read?.body ?? '{}').env_vars.PASS).not.toBe('hunter2-bundle');
    expect(revealed?.statusCode, revealed?.body).toBe(200);
    expect(JSON.parse(revealed?.body ?? '{}').secret).toEqual({ envvar: 'secret-value' });
  });

  it('of the OpenAPI function serves the document built from the schemas at bundling', async () => {
    // Prepare
    const outdir = bundled(handlerEntry('openapi'));
    const org = newOrg('bundle');
    const caller = { org, sub: `user-${org}`, token: await tokenFor({ org }) };

    // Act
    const [answer] = invokeBundle(outdir, caller, [{ routeKey: 'GET /api/openapi.json', path: '/api/openapi.json' }]);

    // Assess: the same document as the source builds
    expect(answer?.statusCode, answer?.body).toBe(200);
    expect(JSON.parse(answer?.body ?? '{}')).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument())));
  });
});
