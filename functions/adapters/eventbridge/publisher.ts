import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { JobEventPublisher, JobFinishedEvent } from '../../core/dbroles/ports';

export const EVENT_SOURCE = 'db-access';

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

/** The job's events on EventBridge: the detail type is the event's `event_type`, the detail the whole event. */
export class EventBridgeJobEvents implements JobEventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  publish(event: JobFinishedEvent): Promise<void> {
    return publishEvent(this.client, this.busName, event.event_type, event);
  }
}
