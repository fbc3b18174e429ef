import { DomainError, OutcomeUnknownError } from '../errors';
import { newTimeOrderedId } from '../ids';
import type { Principal } from '../principal';
import { apply } from './apply';
import type { PlanContext } from './context';
import type { ApplyItem, ApplyResult, BatchPlanItem, PlanResult } from './model';
import { plan } from './plan';

/**
 * Batches run their items concurrently and answer one result per item, in item order. An item the
 * caller got wrong (a domain error) is a failed result; anything else fails the batch.
 */

export async function planBatch(context: PlanContext, caller: Principal, items: BatchPlanItem[]): Promise<PlanResult[]> {
  return Promise.all(
    items.map(async ({ resource_name, ...request }) => {
      try {
        return await plan(context, caller, resource_name, request);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        return { sid: newTimeOrderedId(), resource_name, role: request.role, status: 'failed' as const, message: error.message };
      }
    }),
  );
}

export async function applyBatch(context: PlanContext, caller: Principal, items: ApplyItem[]): Promise<ApplyResult[]> {
  return Promise.all(
    items.map(async (item) => {
      try {
        return await apply(context, caller, item.resource_name, item.sid);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        // An item that ran out of time while committing says so, as its session does.
        const status = error instanceof OutcomeUnknownError ? ('unknown' as const) : ('failed' as const);
        return { sid: newTimeOrderedId(), plan_sid: item.sid, resource_name: item.resource_name, role: '', status, message: error.message };
      }
    }),
  );
}
