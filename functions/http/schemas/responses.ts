import * as z from 'zod/mini';
import { SESSION_KINDS, type SessionRecord } from '../../core/audit/model';
import { JOB_ROLES } from '../../core/dbroles/model';
import type * as plans from '../../core/plans/model';
import { CONNECTION_TYPES, type ConnectionView, MASK, type ResourceView, type RevealedCredentials } from '../../core/resources/model';
import { type Fits, type Holds, type Same, uuid } from './common';

/*
 * What the API answers. Only the OpenAPI document (and the tests) import this module: the functions
 * that serve the routes validate requests, never their own answers, and so do not construct these.
 */

export const timestamp = z.iso.datetime().check(z.meta({ description: 'RFC 3339 UTC time', example: '2026-11-25T12:00:00.000Z' }));

export const errorResponse = z
  .object({
    message: z.string(),
    errors: z.optional(z.array(z.object({ path: z.string(), message: z.string() }))),
  })
  .check(z.meta({ id: 'Error', description: 'Every error answer; validation errors add `errors`.' }));

const nextToken = z.nullable(z.string()).check(z.meta({ description: 'Pass as `next_token` for the next page; null on the last page' }));

function pageOf<T extends z.ZodMiniType>(item: T, id: string) {
  return z.object({ items: z.array(item), next_token: nextToken }).check(z.meta({ id }));
}

// Resources and their roles (the core's connections).

export const roleResponse = z
  .object({
    id: uuid,
    name: z.string(),
    resource_name: z.string(),
    type: z.enum(CONNECTION_TYPES),
    subtype: z.string(),
    managed_by: z.string().check(z.meta({ description: 'Empty for roles made by users; set for roles the service made' })),
    agent_id: z.nullable(uuid),
    command: z.array(z.string()),
    secret: z.record(z.string(), z.literal(MASK)),
    access_max_duration: z.number(),
    attributes: z.array(z.string()),
    connection_tags: z.record(z.string(), z.string()),
    default_database: z.string(),
    force_approve_groups: z.array(z.string()),
    guardrail_rules: z.array(z.string()),
    jira_issue_template_id: z.string(),
    jit_access_duration_sec: z.number(),
    mandatory_metadata_fields: z.array(z.string()),
    min_review_approvals: z.number(),
    redact_enabled: z.boolean(),
    redact_types: z.array(z.string()),
    reviewers: z.array(z.string()),
    tags: z.array(z.string()),
  })
  .check(z.meta({ id: 'Role' }));

export const resourceResponse = z
  .object({
    id: uuid,
    name: z.string(),
    type: z.string(),
    subtype: z.string(),
    env_vars: z.record(z.string(), z.string()),
    agent_id: z.nullable(uuid),
    roles: z.array(roleResponse),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .check(z.meta({ id: 'Resource' }));

export const resourcePage = pageOf(resourceResponse, 'ResourcePage');

export const credentialsResponse = z
  .object({ role: z.string(), secret: z.record(z.string(), z.string()) })
  .check(z.meta({ id: 'RoleCredentials', description: 'Plain (base64-decoded) secret values; provider references as stored' }));

// Plans and applies.

const statement = z.object({ database: z.string(), sql: z.string() });

export const planResult = z
  .object({
    sid: uuid,
    resource_name: z.string(),
    role: z.string().check(z.meta({ description: 'The generated role name (the label when it could not be made)' })),
    status: z.enum(['success', 'failed']),
    message: z.string(),
    in_sync: z.optional(z.boolean()),
    changes: z.optional(
      z.array(statement).check(z.meta({ description: 'The statements the apply will run, in order; the password is a placeholder' })),
    ),
    current_state: z.optional(z.record(z.string(), z.unknown())),
    checksum: z.optional(z.string().check(z.meta({ description: 'sha256 of the statements' }))),
    expires_at: z.optional(timestamp),
  })
  .check(z.meta({ id: 'PlanResult' }));

export const applyResult = z
  .object({
    sid: uuid.check(z.meta({ description: 'The audit session of this apply' })),
    plan_sid: uuid,
    resource_name: z.string(),
    role: z.string(),
    status: z.enum(['success', 'skipped', 'failed', 'unknown']).check(
      z.meta({ description: '`unknown` (sessions and batch items only): the apply ran out of time while committing; plan again to see the state' }),
    ),
    message: z.string(),
  })
  .check(z.meta({ id: 'ApplyResult' }));

export const planResults = z.object({ results: z.array(planResult) }).check(z.meta({ id: 'BatchPlanResult' }));
export const applyResults = z.object({ results: z.array(applyResult) }).check(z.meta({ id: 'BatchApplyResult' }));

export type PlanResult = z.output<typeof planResult>;
export type ApplyResult = z.output<typeof applyResult>;

// Audit sessions.

export const sessionResponse = z
  .object({
    id: uuid,
    kind: z.enum(SESSION_KINDS),
    resource_name: z.string(),
    role: z.string(),
    user: z.object({ sub: z.string(), email: z.nullable(z.string()) }),
    created_at: timestamp,
    ended_at: z.nullable(timestamp),
    status: z.string(),
    input: z.unknown(),
    output: z.unknown(),
    plan_sid: z.optional(uuid),
  })
  .check(z.meta({ id: 'Session' }));

export const sessionPage = pageOf(sessionResponse, 'SessionPage');

// DB role jobs.

export const jobCreated = z.object({ job_id: uuid }).check(z.meta({ id: 'DBRoleJobCreated' }));

const credentialsInfo = z.object({
  secrets_manager_provider: z.enum(['database', 'vault']),
  secret_id: z.string(),
  secret_keys: z.array(z.string()),
});

const phase = z.enum(['running', 'failed', 'completed']);

export const dbRoleJob = z
  .object({
    id: uuid,
    org_id: z.string(),
    created_at: timestamp,
    completed_at: z.nullable(timestamp),
    spec: z.object({
      account_arn: z.string(),
      db_arn: z.string(),
      db_engine: z.string(),
      db_name: z.string(),
      db_tags: z.array(z.object({ key: z.string(), value: z.string() })),
    }),
    status: z.object({
      phase,
      message: z.string(),
      result: z.array(
        z.object({ user_role: z.enum(JOB_ROLES), status: phase, message: z.string(), completed_at: z.nullable(timestamp), credentials_info: credentialsInfo }),
      ),
    }),
  })
  .check(z.meta({ id: 'DBRoleJob' }));

export const jobPage = pageOf(dbRoleJob, 'DBRoleJobPage');

/** What the core answers is what each schema describes (exactly, or fits it). */
export type SchemasMatchTheCore = [
  Holds<Same<z.output<typeof roleResponse>, ConnectionView>>,
  Holds<Same<z.output<typeof resourceResponse>, ResourceView>>,
  Holds<Same<z.output<typeof credentialsResponse>, RevealedCredentials>>,
  Holds<Fits<plans.PlanResult, z.input<typeof planResult>>>,
  Holds<Fits<plans.ApplyResult, z.input<typeof applyResult>>>,
  Holds<Same<z.output<typeof sessionResponse>, SessionRecord>>,
];
