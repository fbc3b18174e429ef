import * as z from 'zod';
import { type CreateJobRequest, JOB_ROLES, JOB_STEPS } from '../../core/dbroles/model';
import { type Holds, pageOf, pageQuery, type Same, timestamp, uuid } from './common';

const rdsArn = z
  .string()
  .max(2048)
  .regex(/^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:(db|cluster):[A-Za-z][A-Za-z0-9-]{0,62}$/, 'must be an RDS DB instance or DB cluster ARN')
  .meta({ example: 'arn:aws:rds:us-east-1:123456789012:cluster:orders' });

export const createJobRequest = z
  .object({
    aws: z.object({ instance_arn: rdsArn }),
    connection_prefix_name: z
      .string()
      .min(1, 'connection_prefix_name is required')
      .max(100)
      .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only')
      .meta({ example: 'orders-' }),
    job_steps: z.array(z.enum(JOB_STEPS, `each step must be one of: ${JOB_STEPS.join(', ')}`)).max(2).default([]),
    vault_provider: z
      .object({
        secret_id: z
          .string()
          .min(1)
          .max(512)
          .regex(/^[A-Za-z0-9._/-]+$/, 'a KV v2 path prefix such as dbsecrets/data/')
          .refine((value) => !value.split('/').some((part) => part === '..'), 'must not contain ..'),
      })
      .optional(),
  })
  .meta({ id: 'CreateDBRoleJob' });

export const jobCreated = z.object({ job_id: uuid }).meta({ id: 'DBRoleJobCreated' });

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
    completed_at: timestamp.nullable(),
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
        z.object({ user_role: z.enum(JOB_ROLES), status: phase, message: z.string(), completed_at: timestamp.nullable(), credentials_info: credentialsInfo }),
      ),
    }),
  })
  .meta({ id: 'DBRoleJob' });

export const jobParams = z.object({ id: uuid });
export const jobListQuery = pageQuery;
export const jobPage = pageOf(dbRoleJob, 'DBRoleJobPage');

/** The validated body of `POST /api/dbroles/jobs` is exactly the core's CreateJobRequest. */
export type SchemasMatchTheCore = [Holds<Same<z.output<typeof createJobRequest>, CreateJobRequest>>];
