import { randomUUID } from 'node:crypto';
import type { EventPattern } from '../../functions/adapters/eventbridge/rules';

/** An event as EventBridge delivers it to a target. */
export interface EventEnvelope {
  version: string;
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

export interface LocalRule {
  name: string;
  pattern: EventPattern;
  target(event: EventEnvelope): Promise<unknown>;
}

type Matcher = unknown;

function matchesOne(matcher: Matcher, value: unknown, present: boolean): boolean {
  if (matcher === null || typeof matcher !== 'object') return present && value === matcher;
  const rule = matcher as Record<string, unknown>;
  if ('exists' in rule) return rule.exists === present;
  if (!present) return false;
  if ('prefix' in rule) return typeof value === 'string' && value.startsWith(String(rule.prefix));
  if ('suffix' in rule) return typeof value === 'string' && value.endsWith(String(rule.suffix));
  if ('equals-ignore-case' in rule) return typeof value === 'string' && value.toLowerCase() === String(rule['equals-ignore-case']).toLowerCase();
  if ('anything-but' in rule) {
    const excluded = [rule['anything-but']].flat();
    return !excluded.some((item) => matchesOne(item, value, true));
  }
  return false;
}

/**
 * EventBridge's content filtering, for what the service's rules use: exact values, prefix, suffix,
 * equals-ignore-case, anything-but and exists, on nested fields; an array value matches when any of
 * its elements does.
 */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  const fields = (event ?? {}) as Record<string, unknown>;
  return Object.entries(pattern).every(([key, rule]) => {
    const present = typeof fields === 'object' && key in fields;
    const value = present ? fields[key] : undefined;
    if (!Array.isArray(rule)) return typeof value === 'object' && value !== null && !Array.isArray(value) && matchesPattern(rule as EventPattern, value);
    const values = Array.isArray(value) ? value : [value];
    return rule.some((matcher) => values.some((candidate) => matchesOne(matcher, candidate, present)));
  });
}

/** An error of the AWS JSON protocols (`__type`), as the local Step Functions and EventBridge answer it. */
export class AwsJsonError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** A PutEvents entry as the SDK sends it (`Time` in epoch seconds). */
export interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  Resources?: string[];
  EventBusName?: string;
  Time?: number;
}

export interface PutEventsResult {
  FailedEntryCount: number;
  Entries: ({ EventId: string } | { ErrorCode: string; ErrorMessage: string })[];
}

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const BUS_NAME = 'default';
const BUS_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${BUS_NAME}`;
/** "Each PutEvents request can support a limited number of entries": 10 (the Entries member's length). */
const MAX_ENTRIES = 10;
const REQUIRED = ['Source', 'DetailType', 'Detail'] as const;

/** Why an entry is refused, or nothing (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsResultEntry.html). */
function entryError(entry: PutEventsEntry): { ErrorCode: string; ErrorMessage: string } | undefined {
  const missing = REQUIRED.find((field) => !entry[field]);
  if (missing) return { ErrorCode: 'InvalidArgument', ErrorMessage: `Parameter ${missing} is not valid. Reason: ${missing} is a required argument.` };
  if ((entry.DetailType ?? '').length > 128) return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is longer than 128 characters.' };
  if (entry.EventBusName && entry.EventBusName !== BUS_NAME && entry.EventBusName !== BUS_ARN) {
    return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${entry.EventBusName} does not exist.` };
  }
  // "Detail: A valid JSON object" (PutEventsRequestEntry): an array, a string or bad JSON is malformed.
  try {
    const detail = JSON.parse(entry.Detail ?? '') as unknown;
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) throw new Error('not an object');
  } catch {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  }
  return undefined;
}

/** The default event bus locally: the service's rules, and a record of what was published. */
export class LocalEventBus {
  readonly published: EventEnvelope[] = [];

  constructor(private readonly rules: LocalRule[]) {}

  /** Delivers an event to the targets of every matching rule, as EventBridge would. */
  async deliver(event: EventEnvelope): Promise<{ rule: string; result?: unknown; error?: string }[]> {
    const matched = this.rules.filter((rule) => matchesPattern(rule.pattern, event));
    return Promise.all(
      matched.map(async (rule) => {
        try {
          return { rule: rule.name, result: await rule.target(event) };
        } catch (error) {
          return { rule: rule.name, error: (error as Error).message };
        }
      }),
    );
  }

  /**
   * PutEvents: each entry is accepted or refused on its own and counted in `FailedEntryCount`; only a
   * request none of whose entries has Source, DetailType and Detail fails whole
   * (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsRequestEntry.html).
   */
  async putEvents(entries: PutEventsEntry[] | undefined): Promise<PutEventsResult> {
    if (!entries || entries.length === 0 || entries.length > MAX_ENTRIES) {
      throw new AwsJsonError('ValidationException', `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_ENTRIES}`);
    }
    if (!entries.some((entry) => REQUIRED.every((field) => entry[field]))) {
      throw new AwsJsonError('ValidationException', 'Parameters Source, DetailType and Detail are required for every event; no entry of the request has them all.');
    }
    const results = await Promise.all(
      entries.map(async (entry) => {
        const error = entryError(entry);
        return error ?? { EventId: await this.publish(entry) };
      }),
    );
    return { FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length, Entries: results };
  }

  /** ListRules of the default bus (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_ListRules.html). */
  listRules(request: { NamePrefix?: string; EventBusName?: string; Limit?: number; NextToken?: string }): { Rules: Record<string, unknown>[]; NextToken?: string } {
    this.describeEventBus({ Name: request.EventBusName });
    const matching = this.rules.filter((rule) => rule.name.startsWith(request.NamePrefix ?? ''));
    const start = request.NextToken ? Number(Buffer.from(request.NextToken, 'base64url').toString('utf8')) : 0;
    if (!Number.isInteger(start) || start < 0 || start > matching.length) throw new AwsJsonError('ValidationException', 'The NextToken is not valid.');
    const end = Math.min(matching.length, start + (request.Limit ?? 100));
    return {
      Rules: matching.slice(start, end).map((rule) => ({
        Name: rule.name,
        Arn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/${rule.name}`,
        EventPattern: JSON.stringify(rule.pattern),
        State: 'ENABLED',
        EventBusName: BUS_NAME,
      })),
      ...(end < matching.length ? { NextToken: Buffer.from(String(end)).toString('base64url') } : {}),
    };
  }

  /** DescribeEventBus: only the default bus exists locally. */
  describeEventBus(request: { Name?: string }): { Name: string; Arn: string } {
    if (request.Name && request.Name !== BUS_NAME && request.Name !== BUS_ARN) throw new AwsJsonError('ResourceNotFoundException', `Event bus ${request.Name} does not exist.`);
    return { Name: BUS_NAME, Arn: BUS_ARN };
  }

  /** The envelope EventBridge builds around an accepted entry, delivered to the matching rules. */
  private async publish(entry: PutEventsEntry): Promise<string> {
    const event: EventEnvelope = {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType ?? '',
      source: entry.Source ?? '',
      account: ACCOUNT,
      time: new Date(entry.Time !== undefined ? entry.Time * 1000 : Date.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: REGION,
      resources: entry.Resources ?? [],
      detail: JSON.parse(entry.Detail ?? '{}') as unknown,
    };
    this.published.push(event);
    await this.deliver(event);
    return event.id;
  }
}
