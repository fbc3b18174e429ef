import type { Principal } from '../principal';
import { apply } from './apply';
import { applyBatch, planBatch } from './batch';
import type { PlanContext } from './context';
import type { ApplyItem, ApplyResult, BatchPlanItem, PlanRequest, PlanResult } from './model';
import { plan } from './plan';
import type { PlanDependencies } from './ports';

/**
 * Plan and apply of PostgreSQL roles, single and batch, each recorded as an audit session: a plan is a
 * diff of the live state (`plan.ts`), an apply runs it once if the state has not drifted (`apply.ts`).
 */
export class PlanService {
  private readonly context: PlanContext;

  constructor(dependencies: PlanDependencies) {
    this.context = { ...dependencies, now: dependencies.now ?? (() => new Date()) };
  }

  plan(caller: Principal, resourceName: string, request: PlanRequest): Promise<PlanResult> {
    return plan(this.context, caller, resourceName, request);
  }

  planBatch(caller: Principal, items: BatchPlanItem[]): Promise<PlanResult[]> {
    return planBatch(this.context, caller, items);
  }

  apply(caller: Principal, resourceName: string, planSid: string): Promise<ApplyResult> {
    return apply(this.context, caller, resourceName, planSid);
  }

  applyBatch(caller: Principal, items: ApplyItem[]): Promise<ApplyResult[]> {
    return applyBatch(this.context, caller, items);
  }
}
