import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultProvider } from '../../../functions/adapters/env-credentials';
import { answering } from './answering';

describe('env-credentials, the Lambda bundles\' credential chain', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("reads the role's credentials Lambda puts in the environment", async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDLAMBDA');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    vi.stubEnv('AWS_SESSION_TOKEN', 'token');
    vi.stubEnv('AWS_ACCOUNT_ID', '123456789012');
    await expect(defaultProvider()()).resolves.toEqual({ accessKeyId: 'AKIDLAMBDA', secretAccessKey: 'secret', sessionToken: 'token', accountId: '123456789012' });
  });

  it('fails, naming the variables, when they are not set', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', '');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', '');
    await expect(defaultProvider()()).rejects.toThrow(/AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY/);
  });

  it('is called by an SDK client as its default chain is, and the requests are signed with them', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDLAMBDA');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    const authorizations: string[] = [];
    const client = new DynamoDBClient({
      region: 'us-east-1',
      credentialDefaultProvider: defaultProvider,
      requestHandler: answering(() => ({ status: 200, contentType: 'application/x-amz-json-1.0', body: '{"TableNames":[]}' })),
    });
    client.middlewareStack.add(
      (next) => async (args) => {
        authorizations.push(String((args.request as { headers: Record<string, string> }).headers.authorization));
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low' },
    );
    await expect(client.send(new ListTablesCommand({}))).resolves.toMatchObject({ TableNames: [] });
    expect(authorizations).toEqual([expect.stringMatching(/^AWS4-HMAC-SHA256 Credential=AKIDLAMBDA\//)]);
  });
});
