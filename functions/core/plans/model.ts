import type { SessionRecord } from '../audit/model';
import type { CurrentState } from '../postgres/diff';
import type { PlanConfig, Statement } from '../postgres/model';
import type { Privilege } from '../postgres/privileges';

/**
 * The domain's side of plan and apply. The HTTP schemas (`http/schemas/provisioning.ts`) validate the
 * wire against these types: the compiler refuses a schema whose output does not fit them, or a
 * result that does not fit its schema.
 */

/** What a plan asks for, once validated: privileges are words of the allow-list, scopes are parseable. */
export interface PlanRequest {
  /** The short label the role name is derived from. */
  role: string;
  type: 'managed' | 'external';
  privileges: Privilege[];
  /** `database` or `database.schema`. */
  scopes: string[];
  source_role?: string | undefined;
  rotate_password: boolean;
}

/** One item of a batch plan: a plan request on a named resource. */
export interface BatchPlanItem extends PlanRequest {
  resource_name: string;
}

/** One item of a batch apply. */
export interface ApplyItem {
  sid: string;
  resource_name: string;
}

export interface PlanResult {
  sid: string;
  resource_name: string;
  /** The generated role name (the label when it could not be made). */
  role: string;
  status: 'success' | 'failed';
  message: string;
  in_sync?: boolean;
  /** The statements the apply will run, in order; the password is a placeholder. */
  changes?: Statement[];
  current_state?: CurrentState;
  checksum?: string;
  expires_at?: string;
}

export interface ApplyResult {
  sid: string;
  plan_sid: string;
  resource_name: string;
  role: string;
  /** `unknown`: the apply ran out of time while committing (sessions and batch items only). */
  status: 'success' | 'skipped' | 'failed' | 'unknown';
  message: string;
}

/**
 * What an apply needs of a plan, stored beside its audit session until it expires. The field names
 * are those of the stored item.
 */
export interface PlanDetails {
  config: PlanConfig;
  checksum: string;
  statements: Statement[];
  expires_at: string;
  sets_password: boolean;
}

/** A plan as the store answers it: its audit session, and what an apply needs while the plan lasts. */
export interface StoredPlan {
  session: SessionRecord;
  /** Absent when the plan failed, or once the expired plan was deleted. */
  details?: PlanDetails;
}

/** Where a provisionable resource's cluster is, from its env vars. */
export interface ClusterTarget {
  clusterArn: string;
  secretArn: string;
  defaultDatabase: string;
}
