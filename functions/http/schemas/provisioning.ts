import * as z from 'zod/mini';
import type { GroupRequests } from '../contracts';
import type * as model from '../../core/plans/model';
import { PRIVILEGE_WORD, PRIVILEGES, privilegeOf } from '../../core/postgres/privileges';
import { roleLabelProblem } from '../../core/postgres/role-name';
import { identifierProblem, parseScope } from '../../core/postgres/identifiers';
import { builtOnFirstUse } from '../first-use';
import { type Holds, nameText, pathName, resourceParams, type Same, uuid } from './common';

// The answers' types, for the tests that read them; their schemas are in `responses.ts`.
export type { ApplyResult, PlanResult } from './responses';

/** A refinement from a function that says what is wrong with a value (or undefined), its message prefixed. */
const refuseProblem = (problemOf: (value: string) => string | undefined, prefix = '') =>
  z.superRefine((value: string, ctx) => {
    const problem = problemOf(value);
    if (problem) ctx.addIssue({ code: 'custom', message: `${prefix}${problem}` });
  });

const unknownPrivilege = `must be one of: ${PRIVILEGES.join(', ')}`;

/** A privilege word, read by the core's rule; the pattern is there for the OpenAPI document. */
const privilege = () =>
  z.pipe(
  z.string().check(z.maxLength(32), z.regex(PRIVILEGE_WORD, unknownPrivilege)),
  z.transform((value: string, payload) => {
    const found = privilegeOf(value);
    if (found === undefined) payload.issues.push({ code: 'custom', message: unknownPrivilege, input: value });
    return found ?? z.NEVER;
  }),
);

const scope = () =>
  z.string().check(
  z.minLength(1),
  z.maxLength(260),
  z.superRefine((value, ctx) => {
    try {
      parseScope(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  }),
  z.meta({ description: '`database` or `database.schema` (schema defaults to `public`); quote a name with a dot: `db."my.schema"`', example: 'app.public' }),
);

const planFields = () => ({
  role: nameText('role', 128).check(
    refuseProblem(roleLabelProblem),
    z.meta({ description: 'The short label the role name is derived from', example: 'ro' }),
  ),
  type: z._default(z.enum(['managed', 'external'], 'type must be managed or external'), 'managed'),
  privileges: z._default(z.array(privilege()).check(z.maxLength(9)), []),
  scopes: z._default(z.array(scope()).check(z.maxLength(1000)), []),
  // Sent to PostgreSQL as a parameter: a NUL there would come back as its error text, in a 200.
  source_role: z.optional(z.string().check(refuseProblem(identifierProblem, 'source_role '))),
  rotate_password: z._default(z.boolean(), false),
});

type PlanFields = { type: 'managed' | 'external'; privileges: string[]; scopes: string[]; source_role?: string | undefined };

/** The rules between fields: managed needs privileges and scopes, external needs a source role only. */
const checkPlanKind = z.superRefine((value: PlanFields, ctx) => {
  if (value.type === 'managed') {
    if (value.privileges.length === 0) ctx.addIssue({ code: 'custom', path: ['privileges'], message: 'privileges are required for type=managed' });
    if (value.scopes.length === 0) ctx.addIssue({ code: 'custom', path: ['scopes'], message: 'scopes are required for type=managed' });
    if (value.source_role !== undefined) ctx.addIssue({ code: 'custom', path: ['source_role'], message: 'source_role is only valid for type=external' });
  } else {
    if (value.source_role === undefined) ctx.addIssue({ code: 'custom', path: ['source_role'], message: 'source_role is required for type=external' });
    if (value.privileges.length > 0) ctx.addIssue({ code: 'custom', path: ['privileges'], message: 'privileges are not allowed for type=external (they are inherited from source_role)' });
    if (value.scopes.length > 0) ctx.addIssue({ code: 'custom', path: ['scopes'], message: 'scopes are not allowed for type=external (they are inherited from source_role)' });
  }
});

export const planRequest = builtOnFirstUse(() => z.object(planFields()).check(checkPlanKind, z.meta({ id: 'PlanRequest' })));

export const batchPlanRequest = builtOnFirstUse(() =>
  z
    .object({
      items: z
        .array(z.object({ resource_name: pathName('resource_name'), ...planFields() }).check(checkPlanKind))
        .check(z.minLength(1, 'at least one item'), z.maxLength(50, 'at most 50 items')),
    })
    .check(z.meta({ id: 'BatchPlanRequest' })),
);

export const applyRequest = z
  .object({ sid: uuid.check(z.meta({ description: 'The sid of the plan to apply' })) })
  .check(z.meta({ id: 'ApplyRequest' }));

export const batchApplyRequest = z
  .object({
    items: z
      .array(z.object({ sid: uuid, resource_name: pathName('resource_name') }))
      .check(z.minLength(1, 'at least one item'), z.maxLength(50, 'at most 50 items')),
  })
  .check(z.meta({ id: 'BatchApplyRequest' }));

/** What the provisioning function validates, by operation. */
export const provisioningRequests = {
  group: 'provisioning',
  operations: {
    // Getters: a body schema is built by the first request that needs it (see first-use.ts).
    get planResourceRole() {
      return { params: resourceParams, body: planRequest() };
    },
    get planResourceRoles() {
      return { body: batchPlanRequest() };
    },
    applyResourcePlan: { params: resourceParams, body: applyRequest },
    applyResourcePlans: { body: batchApplyRequest },
  },
} as const satisfies GroupRequests<'provisioning'>;

/** A request schema outputs exactly the core's input type. */
export type SchemasMatchTheCore = [
  Holds<Same<z.output<ReturnType<typeof planRequest>>, model.PlanRequest>>,
  Holds<Same<z.output<ReturnType<typeof batchPlanRequest>>['items'][number], model.BatchPlanItem>>,
  Holds<Same<z.output<typeof batchApplyRequest>['items'][number], model.ApplyItem>>,
];
