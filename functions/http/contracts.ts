import type * as z from 'zod/mini';
import type { HandlerGroup, OperationId, routes } from './routes';
import type { openApiRequests } from './schemas/openapi';
import type { dbRoleRequests } from './schemas/dbroles';
import type { provisioningRequests } from './schemas/provisioning';
import type { resourceRequests } from './schemas/resources';
import type { sessionRequests } from './schemas/sessions';

/**
 * What an operation validates before its handler runs. The same schemas generate the OpenAPI
 * document (with the answers of `openapi.ts`), so the two cannot disagree.
 */
export interface RequestContract {
  params?: z.ZodMiniType;
  query?: z.ZodMiniType;
  body?: z.ZodMiniType;
}

export type OperationIdOf<Group extends HandlerGroup> = Extract<(typeof routes)[number], { group: Group }>['operationId'];

/**
 * The request contracts of one handler group, one per operation of the group. Each group has its own
 * module, so that a function bundles and constructs only the schemas of its own routes.
 */
export interface GroupRequests<Group extends HandlerGroup> {
  group: Group;
  operations: Record<OperationIdOf<Group>, RequestContract>;
}

/** Every operation's request contract, by operation id (types only: nothing here is bundled). */
type Contracts = (typeof resourceRequests)['operations'] &
  (typeof provisioningRequests)['operations'] &
  (typeof sessionRequests)['operations'] &
  (typeof dbRoleRequests)['operations'] &
  (typeof openApiRequests)['operations'];

type Parsed<C, K extends keyof RequestContract> = C extends Record<K, infer S extends z.ZodMiniType> ? z.output<S> : undefined;

/** The validated input of an operation, typed from its contract. */
export interface OperationRequest<Id extends OperationId> {
  params: Parsed<Contracts[Id], 'params'>;
  query: Parsed<Contracts[Id], 'query'>;
  body: Parsed<Contracts[Id], 'body'>;
}
