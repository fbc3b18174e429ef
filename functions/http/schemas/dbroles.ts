import * as z from 'zod/mini';
import type { GroupRequests } from '../contracts';
import { type CreateJobRequest, JOB_STEPS } from '../../core/dbroles/model';
import { type Holds, pageQuery, type Same, uuid } from './common';

const rdsArn = z
  .string()
  .check(
    z.maxLength(2048),
    z.regex(/^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:(db|cluster):[A-Za-z][A-Za-z0-9-]{0,62}$/, 'must be an RDS DB instance or DB cluster ARN'),
    z.meta({ example: 'arn:aws:rds:us-east-1:123456789012:cluster:orders' }),
  );

export const createJobRequest = z
  .object({
    aws: z.object({ instance_arn: rdsArn }),
    connection_prefix_name: z
      .string()
      .check(
        z.minLength(1, 'connection_prefix_name is required'),
        z.maxLength(100),
        z.regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only'),
        z.meta({ example: 'orders-' }),
      ),
    job_steps: z._default(z.array(z.enum(JOB_STEPS, `each step must be one of: ${JOB_STEPS.join(', ')}`)).check(z.maxLength(2)), []),
    vault_provider: z.optional(
      z.object({
        secret_id: z
          .string()
          .check(
            z.minLength(1),
            z.maxLength(512),
            z.regex(/^[A-Za-z0-9._/-]+$/, 'a KV v2 path prefix such as dbsecrets/data/'),
            z.refine((value) => !value.split('/').some((part) => part === '..'), 'must not contain ..'),
          ),
      }),
    ),
  })
  .check(z.meta({ id: 'CreateDBRoleJob' }));

export const jobParams = z.object({ id: uuid });
export const jobListQuery = pageQuery;

/** What the DB role jobs function validates, by operation. */
export const dbRoleRequests = {
  group: 'dbroles',
  operations: {
    createDbRoleJob: { body: createJobRequest },
    listDbRoleJobs: { query: jobListQuery },
    getDbRoleJob: { params: jobParams },
  },
} as const satisfies GroupRequests<'dbroles'>;

/** The validated body of `POST /api/dbroles/jobs` is exactly the core's CreateJobRequest. */
export type SchemasMatchTheCore = [Holds<Same<z.output<typeof createJobRequest>, CreateJobRequest>>];
