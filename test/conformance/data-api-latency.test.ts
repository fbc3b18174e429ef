import { BeginTransactionCommand, ExecuteStatementCommand, RollbackTransactionCommand } from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { newMasterSecret } from '../support/postgres';
import { dataApiClient } from './clients';

/** Longer than the local round trip, so that the lower bounds below are the setting's. */
const LATENCY_MS = 300;

const setLatency = (body: Record<string, unknown>) => fetch(`${inject('stack').dataApiEndpoint}/_local/latency`, { method: 'POST', body: JSON.stringify(body) });

describe('the local Data API waits a per-call latency, as a round trip to the service takes', () => {
  const client = dataApiClient();
  let target: { resourceArn: string; secretArn: string };

  beforeAll(async () => {
    target = { resourceArn: inject('stack').cluster_arn, secretArn: await newMasterSecret('latency') };
    expect((await setLatency({ secret_arn: target.secretArn, latency_ms: LATENCY_MS })).status).toBe(200);
  });

  afterAll(() => client.destroy());

  it('runs a statement only after the latency has passed since it was sent', async () => {
    // Prepare
    const sentAt = Date.now();

    // Act: the database's own clock says when the statement ran
    const answer = await client.send(
      new ExecuteStatementCommand({ ...target, database: 'postgres', sql: 'SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ran_at', formatRecordsAs: 'JSON' }),
    );

    // Assess
    const [{ ran_at: ranAt }] = JSON.parse(answer.formattedRecords ?? '[]') as [{ ran_at: number }];
    expect(ranAt - sentAt).toBeGreaterThanOrEqual(LATENCY_MS);
  });

  it('delays the transaction operations too', async () => {
    // Prepare
    const sentAt = Date.now();

    // Act
    const { transactionId } = await client.send(new BeginTransactionCommand({ ...target, database: 'postgres' }));
    const begun = Date.now();
    await client.send(new RollbackTransactionCommand({ ...target, transactionId }));

    // Assess
    expect(begun - sentAt).toBeGreaterThanOrEqual(LATENCY_MS);
    expect(Date.now() - begun).toBeGreaterThanOrEqual(LATENCY_MS);
  });

  it('refuses a latency that is not a whole number of milliseconds, or an unknown secret', async () => {
    // Act
    const negative = await setLatency({ secret_arn: target.secretArn, latency_ms: -1 });
    const unknown = await setLatency({ secret_arn: `${target.secretArn}-unknown`, latency_ms: 10 });

    // Assess
    expect([negative.status, unknown.status]).toEqual([400, 400]);
  });
});
