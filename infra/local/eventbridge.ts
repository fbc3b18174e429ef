import { randomUUID } from 'node:crypto';
import type { EventPattern } from '../../functions/events/rules';

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

  /** PutEvents: the envelope EventBridge builds around an entry. */
  async put(entry: { Source?: string; DetailType?: string; Detail?: string; Resources?: string[] }): Promise<string> {
    const event: EventEnvelope = {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType ?? '',
      source: entry.Source ?? '',
      account: '000000000000',
      time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: 'us-east-1',
      resources: entry.Resources ?? [],
      detail: entry.Detail ? (JSON.parse(entry.Detail) as unknown) : {},
    };
    this.published.push(event);
    await this.deliver(event);
    return event.id;
  }
}
