import { existsSync, readFileSync } from 'node:fs';
import { inject } from 'vitest';

export type LogLine = Record<string, unknown> & { message?: string; level?: string; org_id?: string; function_request_id?: string };

/** Every structured line the handlers have logged so far, in every test file. */
export function allHandlerLogs(): string {
  return existsSync(inject('stack').logFile) ? readFileSync(inject('stack').logFile, 'utf8') : '';
}

/**
 * The handlers' log lines of one org. Each local invocation runs in its own scope (as on Lambda's
 * multi-concurrency runtime), so a line carries the org of the request that wrote it, never another
 * file's: what a test counts or expects to find is its own.
 */
export function handlerLogsOfOrg(org: string): LogLine[] {
  return allHandlerLogs()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine)
    .filter((line) => line.org_id === org);
}
