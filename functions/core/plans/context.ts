import type { SessionRecord } from '../audit/model';
import { NotFoundError } from '../errors';
import { PlanFailedError } from '../postgres/plan-failed';
import { SqlExecutionError } from '../postgres/sql-port';
import type { Principal } from '../principal';
import type { ResourceRecord } from '../resources/model';
import type { PlanDependencies } from './ports';

/** What every use case of plan and apply is given: the dependencies, with a clock. */
export type PlanContext = PlanDependencies & { now: () => Date };

export async function requireResource(context: PlanContext, orgId: string, name: string): Promise<ResourceRecord> {
  const resource = await context.resources.getResource(orgId, name);
  if (!resource) throw new NotFoundError('resource not found');
  return resource;
}

/** An audit session of the caller, ended now. */
export function sessionOf(context: PlanContext, caller: Principal, fields: Omit<SessionRecord, 'user' | 'ended_at'>): SessionRecord {
  return { ...fields, user: { sub: caller.sub, email: caller.email ?? null }, ended_at: context.now().toISOString() };
}

export const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Failures a plan or an apply reports as `status: failed` rather than as an error of the request. */
export function isReportable(error: unknown): boolean {
  return error instanceof PlanFailedError || error instanceof SqlExecutionError;
}
