import { newTimeOrderedId } from '../ids';
import { checksumOf, planChanges } from '../postgres/diff';
import { readSnapshot } from '../postgres/snapshot';
import type { Principal } from '../principal';
import { isReportable, messageOf, type PlanContext, requireResource, sessionOf } from './context';
import type { PlanDetails, PlanRequest, PlanResult } from './model';
import { clusterTargetOf, planConfigOf } from './target';

/**
 * A plan: a pure diff of a catalog snapshot (1 + databases read), recorded as an audit session. A plan
 * that succeeded is stored with it, for one apply before it expires; one that failed says why.
 */
export async function plan(context: PlanContext, caller: Principal, resourceName: string, request: PlanRequest): Promise<PlanResult> {
  const resource = await requireResource(context, caller.orgId, resourceName);
  const target = clusterTargetOf(resource);
  const config = planConfigOf(resource.name, request, target);
  const sid = newTimeOrderedId();
  const started = context.now();
  const expiresAt = new Date(started.getTime() + context.planTtlSeconds * 1000);
  let result: PlanResult;
  let details: PlanDetails | undefined;
  try {
    const snapshot = await readSnapshot(context.clusterFor(target).catalog, config);
    const outcome = planChanges(config, snapshot);
    const checksum = checksumOf(outcome.statements);
    result = {
      sid,
      resource_name: resource.name,
      role: config.roleName,
      status: 'success',
      message: '',
      in_sync: outcome.statements.length === 0,
      changes: outcome.statements,
      current_state: outcome.currentState,
      checksum,
      expires_at: expiresAt.toISOString(),
    };
    details = { config, checksum, statements: outcome.statements, expires_at: expiresAt.toISOString(), sets_password: outcome.setsPassword };
  } catch (error) {
    if (!isReportable(error)) throw error;
    result = { sid, resource_name: resource.name, role: config.roleName, status: 'failed', message: messageOf(error) };
  }
  context.log.info('plan made', { sid, resource: resource.name, role: config.roleName, status: result.status, statements: result.changes?.length ?? 0 });
  const session = sessionOf(context, caller, {
    id: sid,
    kind: 'plan',
    resource_name: resource.name,
    role: config.roleName,
    status: result.status,
    input: request,
    output: result,
    created_at: started.toISOString(),
  });
  if (details) await context.plans.create(caller.orgId, session, details);
  else await context.sessions.create(caller.orgId, session);
  return result;
}
