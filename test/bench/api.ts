import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import autocannon from 'autocannon';
import type { StackInfo } from '../../infra/local/stack';
import { TABLE_NAME } from '../../infra/local/stack';
import { type BenchRow, percentile } from './report';

const CONNECTIONS = 10;
const DURATION_S = 5;

interface LoadFigures {
  p50: number;
  p99: number;
  throughput: number;
  errors: number;
}

async function loadApi(options: autocannon.Options): Promise<LoadFigures> {
  const result = await autocannon({ connections: CONNECTIONS, duration: DURATION_S, ...options });
  return { p50: result.latency.p50, p99: result.latency.p99, throughput: result.requests.average, errors: result.errors + result.non2xx };
}

/** The same concurrency against DynamoDB Local directly: what the API adds on top of its one storage call. */
async function loadDynamoDb(operation: (index: number) => Promise<unknown>): Promise<LoadFigures> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const deadline = performance.now() + DURATION_S * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const started = performance.now();
      try {
        await operation(next++);
      } catch {
        errors++;
      }
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), throughput: latencies.length / seconds, errors };
}

function rows(label: string, api: LoadFigures, bare: LoadFigures, bareName: string): BenchRow[] {
  return [
    { section: 'api', metric: `${label} p50`, value: api.p50, unit: 'ms', baseline: { name: bareName, value: bare.p50 } },
    { section: 'api', metric: `${label} p99`, value: api.p99, unit: 'ms', baseline: { name: bareName, value: bare.p99 } },
    { section: 'api', metric: `${label} throughput`, value: api.throughput, unit: 'req/s', baseline: { name: bareName, value: bare.throughput } },
    { section: 'api', metric: `${label} errors or non-2xx`, value: api.errors, unit: 'count' },
  ];
}

/**
 * GET and POST of the local API under concurrent load, next to a bare GetItem / PutItem on the same
 * DynamoDB Local from this same process. The API is a stack of its own started as users run it
 * (`npm start`, see run.ts): its handlers do not share this process's event loop with the load
 * generator, as a client and a server never do.
 */
export async function benchApi(stack: StackInfo): Promise<BenchRow[]> {
  const headers = { authorization: `Bearer ${stack.admin_token}`, 'content-type': 'application/json' };
  const seed = await fetch(`${stack.api_url}/resources`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ name: 'bench-db', type: 'database', subtype: 'postgres', env_vars: { HOST: 'h' }, roles: [{ name: 'bench-ro', type: 'database' }] }),
  });
  if (seed.status !== 201 && seed.status !== 409) throw new Error(`could not seed the bench resource: ${seed.status}`);

  const documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: `http://127.0.0.1:${stack.ports.dynamodb}`, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  );
  // Each load right before its baseline: the machine's other load drifts less between the two.
  const get = await loadApi({ url: `${stack.api_url}/resources/bench-db`, headers });
  const bareGet = await loadDynamoDb(() => documents.send(new GetCommand({ TableName: TABLE_NAME, Key: { pk: 'ORG#local', sk: 'RESOURCE#bench-db' }, ConsistentRead: true })));
  let created = 0;
  const post = await loadApi({
    url: `${stack.api_url}/resources`,
    method: 'POST',
    headers,
    // A new name per request: each POST is a real create, not a 409.
    requests: [{ method: 'POST', setupRequest: (request) => ({ ...request, body: JSON.stringify({ name: `bench-${Date.now()}-${created++}`, type: 'database', env_vars: {} }) }) }],
  });

  const barePut = await loadDynamoDb((index) =>
    documents.send(new PutCommand({ TableName: TABLE_NAME, Item: { pk: 'ORG#bench-bare', sk: `RESOURCE#${Date.now()}-${index}`, name: 'x' } })),
  );
  documents.destroy();
  return [...rows('GET /api/resources/{name}', get, bareGet, 'bare GetItem'), ...rows('POST /api/resources', post, barePut, 'bare PutItem')];
}
