import { fileURLToPath } from 'node:url';
import type { HandlerGroup } from '../functions/routes';

/** The entry file of a handler group's Lambda function: `functions/http/<group>.ts`, export `handler`. */
export function handlerEntry(group: HandlerGroup): string {
  return fileURLToPath(new URL(`../functions/http/${group}.ts`, import.meta.url));
}
