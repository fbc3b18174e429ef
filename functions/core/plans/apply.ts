import { cleanUp } from '../deadline';
import { ConflictError, DeadlineExceededError, NotFoundError, OutcomeUnknownError } from '../errors';
import { newTimeOrderedId } from '../ids';
import type { Principal } from '../principal';
import { isReportable, messageOf, type PlanContext, requireResource, sessionOf } from './context';
import type { ApplyResult } from './model';
import { type ApplyProgress, CredentialsNotStoredError, DriftError, runPlan } from './run-plan';
import { clusterTargetOf } from './target';

/**
 * Applies a plan of this resource, once: the plan is claimed first, and given back when nothing was
 * committed. The apply reads the state again under the databases' locks and runs only if it would
 * run exactly what was planned. Recorded as an audit session, whatever the outcome.
 */
export async function apply(context: PlanContext, caller: Principal, resourceName: string, planSid: string): Promise<ApplyResult> {
  const resource = await requireResource(context, caller.orgId, resourceName);
  const target = clusterTargetOf(resource);
  const plan = await context.plans.get(caller.orgId, planSid);
  if (plan?.session.kind !== 'plan' || plan.session.resource_name !== resource.name) throw new NotFoundError('plan not found');
  if (!plan.details) throw new ConflictError('the plan failed: there is nothing to apply');
  if (Date.parse(plan.details.expires_at) <= context.now().getTime()) throw new ConflictError('the plan has expired: plan again');

  const sid = newTimeOrderedId();
  const started = context.now().toISOString();
  await context.plans.claim(caller.orgId, planSid, sid, context.now().toISOString()).catch((error: unknown) => {
    if (!(error instanceof DeadlineExceededError) && !(error instanceof OutcomeUnknownError)) throw error;
    throw new DeadlineExceededError('the service did not answer in time: nothing was applied to the database; apply again, or plan again if the plan is then reported as applied');
  });
  const details = plan.details;
  const base = { sid, plan_sid: planSid, resource_name: resource.name, role: details.config.roleName };
  const progress: ApplyProgress = { committed: 0, rollingBack: Promise.resolve() };
  let result: ApplyResult;
  try {
    if (details.statements.length === 0) {
      result = { ...base, status: 'skipped', message: 'the plan was in sync: nothing to do' };
    } else {
      await runPlan(context, caller.orgId, resource, target, details, progress);
      result = { ...base, status: 'success', message: `${details.statements.length} statements applied` };
    }
  } catch (error) {
    const outOfTime = outOfTimeError(error, progress);
    const message = outOfTime?.message ?? messageOf(error);
    // When the time ran out, this clean-up gets the time kept for it, so that the session and the
    // plan say what the answer says.
    await cleanUp(async () => {
      // Nothing was committed: the plan may be applied again (or must be re-made, when it drifted).
      if (progress.committed === 0 && !(outOfTime instanceof OutcomeUnknownError)) await context.plans.release(caller.orgId, planSid, sid);
      await recordApply(context, caller, { ...base, status: outOfTime instanceof OutcomeUnknownError ? 'unknown' : 'failed', message }, started);
    });
    if (outOfTime) throw outOfTime;
    if (error instanceof DriftError) throw new ConflictError(message);
    if (!isReportable(error) && !(error instanceof CredentialsNotStoredError)) {
      context.log.error('apply failed', { plan_sid: planSid, error: error as Error });
      throw error;
    }
    return { ...base, status: 'failed', message };
  } finally {
    await progress.rollingBack;
  }
  await recordApply(context, caller, result, started);
  return result;
}

async function recordApply(context: PlanContext, caller: Principal, result: ApplyResult, started: string): Promise<void> {
  context.log.info('plan applied', { sid: result.sid, plan_sid: result.plan_sid, role: result.role, status: result.status, outcome: result.message });
  await context.sessions.create(
    caller.orgId,
    sessionOf(context, caller, {
      id: result.sid,
      kind: 'apply',
      resource_name: result.resource_name,
      role: result.role,
      status: result.status,
      input: { sid: result.plan_sid, resource_name: result.resource_name },
      output: { status: result.status, message: result.message },
      created_at: started,
      plan_sid: result.plan_sid,
    }),
  );
}

/**
 * What an apply that ran out of time answers, or undefined when the error is not about time. Before
 * any commit nothing changed and the plan can be applied again; once a commit may have happened, or
 * some databases were committed and others not, the outcome is for a new plan to tell.
 */
function outOfTimeError(error: unknown, progress: ApplyProgress): DeadlineExceededError | OutcomeUnknownError | undefined {
  if (!(error instanceof DeadlineExceededError) && !(error instanceof OutcomeUnknownError)) return undefined;
  if (error instanceof DeadlineExceededError && progress.committed === 0) {
    return new DeadlineExceededError('the database did not answer in time: nothing was applied, and the plan can be applied again');
  }
  return new OutcomeUnknownError(
    progress.committed > 0 && error instanceof DeadlineExceededError
      ? `the apply ran out of time after committing ${progress.committed} of its databases: plan again to see what is left to do`
      : 'the apply ran out of time while committing: it may or may not have been applied; plan again to see the state of the database',
  );
}
