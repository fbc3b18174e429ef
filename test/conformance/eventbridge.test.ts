import { randomUUID } from 'node:crypto';
import { DescribeEventBusCommand, type EventBridgeClient, ListRulesCommand, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishEvent } from '../../functions/adapters/eventbridge/publisher';
import { executionEndedPattern, tagChangePattern } from '../../functions/adapters/eventbridge/rules';
import { LOCAL_STATE_MACHINE_ARN, LOCAL_TAG } from '../../infra/local/workflows';
import { localOrigin } from '../workflow/jobs';
import { eventBridgeClient } from './clients';

/**
 * The local EventBridge against the service's API reference (https://docs.aws.amazon.com/eventbridge/latest/APIReference/:
 * PutEvents, PutEventsRequestEntry, PutEventsResultEntry, ListRules, DescribeEventBus), through the
 * production SDK client. Events of this file have a source of their own, which no rule matches.
 */
describe('the local EventBridge answers as the service does', () => {
  const source = `conformance.${randomUUID()}`;
  let client: EventBridgeClient;
  const published = async () => ((await (await fetch(`${localOrigin()}/_local/events`)).json()) as { published: { id: string; source: string; 'detail-type': string; detail: unknown }[] }).published;
  const failure = async (call: Promise<unknown>) => ((await call.then(() => ({ name: 'no error' }), (error: unknown) => error)) as { name: string }).name;

  beforeAll(() => {
    client = eventBridgeClient();
  });

  afterAll(() => client.destroy());

  it('publishes each valid entry and fails each invalid one on its own, counted in FailedEntryCount', async () => {
    // Act
    const answer = await client.send(
      new PutEventsCommand({
        Entries: [
          { Source: source, DetailType: 'valid', Detail: '{"n":1}' },
          { Source: source, DetailType: 'not json', Detail: '{"n":' },
          { Source: source, DetailType: 'not an object', Detail: '[1, 2]' },
          { DetailType: 'no source', Detail: '{}' },
          { Source: source, DetailType: 'another bus', Detail: '{}', EventBusName: 'no-such-bus' },
        ],
      }),
    );

    // Assess
    expect(answer.FailedEntryCount).toBe(4);
    expect(answer.Entries).toEqual([
      { EventId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
      { ErrorCode: 'MalformedDetail', ErrorMessage: expect.any(String) },
      { ErrorCode: 'MalformedDetail', ErrorMessage: expect.any(String) },
      { ErrorCode: 'InvalidArgument', ErrorMessage: expect.stringContaining('Source') },
      { ErrorCode: 'ResourceNotFoundException', ErrorMessage: expect.stringContaining('no-such-bus') },
    ]);
    const mine = (await published()).filter((event) => event.source === source);
    expect(mine).toEqual([expect.objectContaining({ id: answer.Entries?.[0]?.EventId, 'detail-type': 'valid', detail: { n: 1 } })]);
  });

  it('fails the whole request when no entry has Source, DetailType and Detail, or when it has more than 10 entries', async () => {
    expect(await failure(client.send(new PutEventsCommand({ Entries: [{ Source: source, DetailType: 'no detail' }, { Detail: '{}' }] })))).toBe('ValidationException');
    const eleven = Array.from({ length: 11 }, () => ({ Source: source, DetailType: 'too many', Detail: '{}' }));
    expect(await failure(client.send(new PutEventsCommand({ Entries: eleven })))).toBe('ValidationException');
    expect((await published()).filter((event) => event.source === source && event['detail-type'] === 'too many')).toEqual([]);
  });

  it("makes the service's publisher throw for a refused entry, and publish an accepted one", async () => {
    await expect(publishEvent(client, 'no-such-bus', 'conformance', { n: 2 })).rejects.toThrow(/event not published: ResourceNotFoundException/);
    await expect(publishEvent(client, 'default', 'conformance', { n: 3 })).resolves.toBeUndefined();
  });

  it('lists the rules of the default bus with their patterns, page by page, and describes the bus', async () => {
    // Act
    const all = await client.send(new ListRulesCommand({}));
    const first = await client.send(new ListRulesCommand({ Limit: 1 }));
    const second = await client.send(new ListRulesCommand({ Limit: 1, NextToken: first.NextToken }));
    const prefixed = await client.send(new ListRulesCommand({ NamePrefix: 'dbroles-' }));
    const bus = await client.send(new DescribeEventBusCommand({}));

    // Assess
    expect(all.Rules).toEqual([
      { Name: 'provision-on-tag', Arn: expect.stringMatching(/^arn:aws:events:.*:rule\/provision-on-tag$/), EventPattern: JSON.stringify(tagChangePattern(LOCAL_TAG.key, LOCAL_TAG.value)), State: 'ENABLED', EventBusName: 'default' },
      { Name: 'dbroles-execution-ended', Arn: expect.any(String), EventPattern: JSON.stringify(executionEndedPattern(LOCAL_STATE_MACHINE_ARN)), State: 'ENABLED', EventBusName: 'default' },
    ]);
    expect(all.NextToken).toBeUndefined();
    expect([...(first.Rules ?? []), ...(second.Rules ?? [])].map((rule) => rule.Name)).toEqual(['provision-on-tag', 'dbroles-execution-ended']);
    expect(second.NextToken).toBeUndefined();
    expect(prefixed.Rules?.map((rule) => rule.Name)).toEqual(['dbroles-execution-ended']);
    expect(bus).toMatchObject({ Name: 'default', Arn: 'arn:aws:events:us-east-1:000000000000:event-bus/default' });
    expect(await failure(client.send(new DescribeEventBusCommand({ Name: 'no-such-bus' })))).toBe('ResourceNotFoundException');
  });
});
