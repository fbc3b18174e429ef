import * as z from 'zod';
import type * as model from '../../core/plans/model';
import { PRIVILEGE_WORD, PRIVILEGES, privilegeOf } from '../../core/postgres/privileges';
import { roleLabelProblem } from '../../core/postgres/role-name';
import { identifierProblem, parseScope } from '../../core/postgres/identifiers';
import { type Fits, type Holds, nameText, pathName, type Same, timestamp, uuid } from './common';

/** A refinement from a function that says what is wrong with a value (or undefined), its message prefixed. */
const refuseProblem =
  (problemOf: (value: string) => string | undefined, prefix = '') =>
  (value: string, ctx: z.RefinementCtx) => {
    const problem = problemOf(value);
    if (problem) ctx.addIssue({ code: 'custom', message: `${prefix}${problem}` });
  };

const unknownPrivilege = `must be one of: ${PRIVILEGES.join(', ')}`;

/** A privilege word, read by the core's rule; the pattern is there for the OpenAPI document. */
const privilege = z
  .string()
  .max(32)
  .regex(PRIVILEGE_WORD, unknownPrivilege)
  .transform((value, ctx) => {
    const found = privilegeOf(value);
    if (found === undefined) ctx.addIssue({ code: 'custom', message: unknownPrivilege });
    return found ?? z.NEVER;
  });

const scope = z
  .string()
  .min(1)
  .max(260)
  .superRefine((value, ctx) => {
    try {
      parseScope(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  })
  .meta({ description: '`database` or `database.schema` (schema defaults to `public`); quote a name with a dot: `db."my.schema"`', example: 'app.public' });

const planFields = {
  role: nameText('role', 128)
    .superRefine(refuseProblem(roleLabelProblem))
    .meta({ description: 'The short label the role name is derived from', example: 'ro' }),
  type: z.enum(['managed', 'external'], 'type must be managed or external').default('managed'),
  privileges: z.array(privilege).max(9).default([]),
  scopes: z.array(scope).max(1000).default([]),
  // Sent to PostgreSQL as a parameter: a NUL there would come back as its error text, in a 200.
  source_role: z.string().superRefine(refuseProblem(identifierProblem, 'source_role ')).optional(),
  rotate_password: z.boolean().default(false),
};

type PlanFields = { type: 'managed' | 'external'; privileges: string[]; scopes: string[]; source_role?: string | undefined };

/** The rules between fields: managed needs privileges and scopes, external needs a source role only. */
function checkPlanKind(value: PlanFields, ctx: z.RefinementCtx) {
  if (value.type === 'managed') {
    if (value.privileges.length === 0) ctx.addIssue({ code: 'custom', path: ['privileges'], message: 'privileges are required for type=managed' });
    if (value.scopes.length === 0) ctx.addIssue({ code: 'custom', path: ['scopes'], message: 'scopes are required for type=managed' });
    if (value.source_role !== undefined) ctx.addIssue({ code: 'custom', path: ['source_role'], message: 'source_role is only valid for type=external' });
  } else {
    if (value.source_role === undefined) ctx.addIssue({ code: 'custom', path: ['source_role'], message: 'source_role is required for type=external' });
    if (value.privileges.length > 0) ctx.addIssue({ code: 'custom', path: ['privileges'], message: 'privileges are not allowed for type=external (they are inherited from source_role)' });
    if (value.scopes.length > 0) ctx.addIssue({ code: 'custom', path: ['scopes'], message: 'scopes are not allowed for type=external (they are inherited from source_role)' });
  }
}

export const planRequest = z.object(planFields).superRefine(checkPlanKind).meta({ id: 'PlanRequest' });

export const batchPlanRequest = z
  .object({
    items: z
      .array(z.object({ resource_name: pathName('resource_name'), ...planFields }).superRefine(checkPlanKind))
      .min(1, 'at least one item')
      .max(50, 'at most 50 items'),
  })
  .meta({ id: 'BatchPlanRequest' });

export const applyRequest = z.object({ sid: uuid.meta({ description: 'The sid of the plan to apply' }) }).meta({ id: 'ApplyRequest' });

export const batchApplyRequest = z
  .object({
    items: z
      .array(z.object({ sid: uuid, resource_name: pathName('resource_name') }))
      .min(1, 'at least one item')
      .max(50, 'at most 50 items'),
  })
  .meta({ id: 'BatchApplyRequest' });

const statement = z.object({ database: z.string(), sql: z.string() });

export const planResult = z
  .object({
    sid: uuid,
    resource_name: z.string(),
    role: z.string().meta({ description: 'The generated role name (the label when it could not be made)' }),
    status: z.enum(['success', 'failed']),
    message: z.string(),
    in_sync: z.boolean().optional(),
    changes: z.array(statement).optional().meta({ description: 'The statements the apply will run, in order; the password is a placeholder' }),
    current_state: z.record(z.string(), z.unknown()).optional(),
    checksum: z.string().optional().meta({ description: 'sha256 of the statements' }),
    expires_at: timestamp.optional(),
  })
  .meta({ id: 'PlanResult' });

export const applyResult = z
  .object({
    sid: uuid.meta({ description: 'The audit session of this apply' }),
    plan_sid: uuid,
    resource_name: z.string(),
    role: z.string(),
    status: z.enum(['success', 'skipped', 'failed', 'unknown']).meta({
      description: '`unknown` (sessions and batch items only): the apply ran out of time while committing; plan again to see the state',
    }),
    message: z.string(),
  })
  .meta({ id: 'ApplyResult' });

export const planResults = z.object({ results: z.array(planResult) }).meta({ id: 'BatchPlanResult' });
export const applyResults = z.object({ results: z.array(applyResult) }).meta({ id: 'BatchApplyResult' });

export type PlanResult = z.output<typeof planResult>;
export type ApplyResult = z.output<typeof applyResult>;

/** A request schema outputs exactly the core's input type; what the core answers fits its response schema. */
export type SchemasMatchTheCore = [
  Holds<Same<z.output<typeof planRequest>, model.PlanRequest>>,
  Holds<Same<z.output<typeof batchPlanRequest>['items'][number], model.BatchPlanItem>>,
  Holds<Same<z.output<typeof batchApplyRequest>['items'][number], model.ApplyItem>>,
  Holds<Fits<model.PlanResult, z.input<typeof planResult>>>,
  Holds<Fits<model.ApplyResult, z.input<typeof applyResult>>>,
];
