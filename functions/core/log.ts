/**
 * What the use cases need of a logger: structured entries with named fields. The entries pass in
 * Powertools' Logger (which adds the request id); unit tests pass a recorder. Never log a secret, and
 * never a field named `message`, which Powertools keeps for the entry's own text.
 */
export type LogFields = Record<string, unknown> & { message?: never };

export interface Log {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** A log that drops everything, for callers that have nothing to say to anyone. */
export const SILENT_LOG: Log = { info: () => {}, warn: () => {}, error: () => {} };
