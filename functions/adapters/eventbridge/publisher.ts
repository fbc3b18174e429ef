import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';

export const EVENT_SOURCE = 'db-access';
export const JOB_FINISHED = 'dbroles.job.finished';

/** Publishes an event of this service on the configured bus; a rejected entry is an error. */
export async function publishEvent(client: EventBridgeClient, busName: string, detailType: string, detail: unknown): Promise<void> {
  const answer = await client.send(
    new PutEventsCommand({ Entries: [{ EventBusName: busName, Source: EVENT_SOURCE, DetailType: detailType, Detail: JSON.stringify(detail) }] }),
  );
  if ((answer.FailedEntryCount ?? 0) > 0) {
    const entry = answer.Entries?.find((candidate) => candidate.ErrorCode);
    throw new Error(`event not published: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`.trim());
  }
}
