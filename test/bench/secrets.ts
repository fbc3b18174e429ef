import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { loadOrCreateSigningKey, mintToken } from '../../infra/local/jwt';
import { type StackInfo, TABLE_NAME } from '../../infra/local/stack';
import { type BenchRow, median } from './report';

const RESOURCES = 100;
const ROUNDS = 30;
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** 100 resources, each with two credential env vars and a role with three secret values, through the API (so sealed). */
async function seed(api: string, token: string): Promise<void> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  for (let index = 0; index < RESOURCES; index++) {
    const name = `secrets-${String(index).padStart(3, '0')}`;
    const answer = await fetch(`${api}/resources`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        name,
        type: 'database',
        subtype: 'postgres',
        env_vars: { HOST: `${name}.internal`, DB_PASSWORD: `pw-${index}`, API_TOKEN: `tok-${index}` },
        roles: [{ name: `${name}-ro`, type: 'database', secret: { 'envvar:USER': b64('ro'), 'envvar:PASS': b64(`ro-${index}`), 'envvar:DB': b64('app') } }],
      }),
    });
    if (answer.status !== 201) throw new Error(`could not seed ${name}: ${answer.status}`);
  }
}

/** The org's items as the service wrote them before encryption: every sealed value back in clear. */
async function writeInClear(documents: DynamoDBDocumentClient, org: string): Promise<void> {
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(new QueryCommand({ TableName: TABLE_NAME, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `ORG#${org}` }, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) {
      const index = Number(/secrets-(\d+)/.exec(String(item.name))?.[1]);
      if (item.entity === 'resource') {
        await documents.send(new UpdateCommand({ TableName: TABLE_NAME, Key: { pk: item.pk, sk: item.sk }, UpdateExpression: 'SET env_vars = :env', ExpressionAttributeValues: { ':env': { HOST: item.env_vars.HOST, DB_PASSWORD: `pw-${index}`, API_TOKEN: `tok-${index}` } } }));
      } else if (item.entity === 'role') {
        await documents.send(new UpdateCommand({ TableName: TABLE_NAME, Key: { pk: item.pk, sk: item.sk }, UpdateExpression: 'SET secret = :secret', ExpressionAttributeValues: { ':secret': { 'envvar:USER': b64('ro'), 'envvar:PASS': b64(`ro-${index}`), 'envvar:DB': b64('app') } } }));
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);
}

async function timed(url: string, token: string): Promise<number> {
  const started = performance.now();
  const answer = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  await answer.arrayBuffer();
  if (answer.status !== 200) throw new Error(`${url}: ${answer.status}`);
  return performance.now() - started;
}

/**
 * The cost of secrets at rest, as a ratio to the same work on items in clear (as stored before
 * encryption), both in this run: two orgs with the same 100 resources, one sealed, one rewritten in
 * clear. Listing never decrypts (env vars are masked and connections show only their keys), so its
 * ratio is the price of bigger items; a reveal decrypts three values.
 */
export async function benchSecrets(stack: StackInfo & { dir: string }): Promise<BenchRow[]> {
  const key = await loadOrCreateSigningKey(join(stack.dir, 'jwt-key.json'));
  const tokenOf = (org: string) => mintToken(key, stack.issuer, { org, groups: ['admin'], sub: 'bench', email: 'bench@example.com' });
  const [sealedOrg, clearOrg] = [`bench-sealed-${Date.now()}`, `bench-clear-${Date.now()}`];
  const [sealedToken, clearToken] = await Promise.all([tokenOf(sealedOrg), tokenOf(clearOrg)]);
  await seed(stack.api_url, sealedToken);
  await seed(stack.api_url, clearToken);
  const client = new DynamoDBClient({ endpoint: `http://127.0.0.1:${stack.ports.dynamodb}`, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await writeInClear(DynamoDBDocumentClient.from(client), clearOrg);
  client.destroy();

  const list = `${stack.api_url}/resources?page_size=${RESOURCES}`;
  const reveal = `${stack.api_url}/resources/secrets-042/roles/secrets-042-ro/credentials`;
  const times = { list: { sealed: [] as number[], clear: [] as number[] }, reveal: { sealed: [] as number[], clear: [] as number[] } };
  // Interleaved, after a warm-up of each, so that both see the same machine.
  for (let round = -2; round < ROUNDS; round++) {
    const figures = [await timed(list, sealedToken), await timed(list, clearToken), await timed(reveal, sealedToken), await timed(reveal, clearToken)];
    if (round < 0) continue;
    times.list.sealed.push(figures[0] ?? 0);
    times.list.clear.push(figures[1] ?? 0);
    times.reveal.sealed.push(figures[2] ?? 0);
    times.reveal.clear.push(figures[3] ?? 0);
  }
  return [
    { section: 'secrets', metric: `list ${RESOURCES} resources with secrets, encrypted (p50)`, value: median(times.list.sealed), unit: 'ms', baseline: { name: 'same items in clear', value: median(times.list.clear) } },
    { section: 'secrets', metric: 'reveal a role with 3 secret values, encrypted (p50)', value: median(times.reveal.sealed), unit: 'ms', baseline: { name: 'same item in clear', value: median(times.reveal.clear) } },
  ];
}
