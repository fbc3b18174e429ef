import { inject } from 'vitest';

/** A stalled DynamoDB for one org: its next `count` requests wait `delayMs` (then still land). */
export async function stallDynamoDb(org: string, delayMs: number, count = 1): Promise<void> {
  const answer = await fetch(`${inject('stack').dynamodbFaultsEndpoint}/_local/faults`, { method: 'POST', body: JSON.stringify({ org, count, delay_ms: delayMs }) });
  if (!answer.ok) throw new Error(`DynamoDB faults: ${answer.status} ${await answer.text()}`);
}
