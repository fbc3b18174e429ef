import type { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRdsDataClient, rdsDataClient } from '../../../functions/adapters/data-api/client';
import { dynamodbClient, dynamodbDocumentClient } from '../../../functions/adapters/dynamodb/client';
import { eventBridgeClient } from '../../../functions/adapters/eventbridge/client';
import { rdsClient } from '../../../functions/adapters/rds/rds-client';
import { stsClient } from '../../../functions/adapters/rds/sts-client';
import { stepFunctionsClient } from '../../../functions/adapters/step-functions/client';

/** What the SDK's NodeHttpHandler resolves its options to (read without sending anything). */
interface ResolvedHandlerConfig {
  connectionTimeout?: number;
  requestTimeout?: number;
  throwOnRequestTimeout?: boolean;
  httpsAgent: HttpsAgent;
  httpAgentProvider: () => Promise<HttpAgent>;
}

interface BuiltClient {
  config: { requestHandler: unknown };
}

/** The request handler's resolved configuration: `configProvider` is the NodeHttpHandler's own promise of it. */
async function handlerConfigOf(client: BuiltClient): Promise<ResolvedHandlerConfig> {
  const handler = client.config.requestHandler as { configProvider?: Promise<ResolvedHandlerConfig> };
  if (!handler.configProvider) throw new Error('the client has no NodeHttpHandler');
  return handler.configProvider;
}

/** An agent's keep-alive settings as Node keeps them. */
const keepAliveOf = (agent: HttpAgent | HttpsAgent) => ({ keepAlive: (agent as HttpAgent & { keepAlive?: boolean }).keepAlive, maxSockets: agent.maxSockets });

const clients: [string, () => BuiltClient][] = [
  ['DynamoDB', dynamodbClient],
  ['DynamoDB document', dynamodbDocumentClient],
  ['RDS Data API', rdsDataClient],
  ['Step Functions', stepFunctionsClient],
  ['EventBridge', eventBridgeClient],
  ['RDS', rdsClient],
  ['STS', stsClient],
];

describe('the SDK clients', () => {
  it.each(clients)('%s keeps its connections alive, over HTTPS (AWS) and HTTP (local endpoints)', async (_name, build) => {
    // Act
    const config = await handlerConfigOf(build());

    // Assess
    expect(config.httpsAgent).toBeInstanceOf(HttpsAgent);
    expect(keepAliveOf(config.httpsAgent)).toEqual({ keepAlive: true, maxSockets: 50 });
    expect(keepAliveOf(await config.httpAgentProvider())).toEqual({ keepAlive: true, maxSockets: 50 });
  });

  it('each have their own agents, so that destroying one client leaves the others connected', async () => {
    // Act
    const agents = await Promise.all([dynamodbClient(), rdsDataClient(), stepFunctionsClient(), eventBridgeClient(), rdsClient(), stsClient()].map(async (client) => (await handlerConfigOf(client)).httpsAgent));

    // Assess
    expect(new Set(agents).size).toBe(agents.length);
  });

  afterEach(() => vi.unstubAllEnvs());

  it('keeps the Data API client\'s timeouts exactly: a short connection phase, a request timeout from the settings that throws', async () => {
    // Prepare
    vi.stubEnv('DATA_API_TIMEOUT_SECONDS', '42');

    // Act
    const config = await handlerConfigOf(createRdsDataClient({ region: 'eu-west-1', endpoint: undefined }));

    // Assess
    expect(config).toMatchObject({ connectionTimeout: 5_000, requestTimeout: 42_000, throwOnRequestTimeout: true });
    expect(keepAliveOf(config.httpsAgent)).toEqual({ keepAlive: true, maxSockets: 50 });
  });
});
