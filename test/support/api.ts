import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { loadOrCreateSigningKey, mintToken, type TokenOverrides } from '../../infra/local/jwt';
import { TABLE_NAME } from '../../infra/local/stack';

export interface ApiAnswer<Body = unknown> {
  status: number;
  headers: Headers;
  body: Body;
}

/** What a test knows about the caller: its org and groups, as claims in a token the local issuer signs. */
export interface Caller {
  org: string;
  groups?: string[];
  sub?: string;
  email?: string;
}

/** A fresh org id per test file keeps files independent while they share one stack. */
export function newOrg(prefix = 'org'): string {
  return `${prefix}-${randomUUID()}`;
}

/** A token of the local issuer for the caller; `overrides` mint what an attacker would send instead. */
export async function tokenFor(caller: Caller, overrides?: TokenOverrides): Promise<string> {
  const stack = inject('stack');
  const key = await loadOrCreateSigningKey(join(stack.dir, 'jwt-key.json'));
  return mintToken(
    key,
    stack.issuer,
    {
      org: caller.org,
      groups: caller.groups ?? [],
      sub: caller.sub ?? `user-${caller.org}`,
      email: caller.email ?? `user@${caller.org}.example`,
    },
    overrides,
  );
}

export interface RequestOptions {
  token?: string | null;
  /** A raw body string (sent as is) or a value sent as JSON. */
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

/** An HTTP client for the local API acting as one caller, the way a user's curl would. */
export async function apiAs(caller: Caller) {
  const token = await tokenFor(caller);
  return (method: string, path: string, options: RequestOptions = {}) => call(method, path, { token, ...options });
}

export async function call<Body = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<ApiAnswer<Body>> {
  const stack = inject('stack');
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(`${stack.api_url}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not JSON: the test sees the text.
  }
  return { status: response.status, headers: response.headers, body: parsed as Body };
}

let documentClient: DynamoDBDocumentClient | undefined;

/** Every item of an org's partition, read straight from DynamoDB Local: what "nothing written" means. */
export async function itemsOfOrg(org: string): Promise<Record<string, unknown>[]> {
  const stack = inject('stack');
  documentClient ??= DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: stack.dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  );
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documentClient.send(
      new QueryCommand({ TableName: TABLE_NAME, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `ORG#${org}` }, ExclusiveStartKey: start }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}
