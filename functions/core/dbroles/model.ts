/** The three job roles: the database roles a DB role job provisions, and what each may do in every schema. */
export const JOB_ROLES = ['hoop_ro', 'hoop_rw', 'hoop_ddl'] as const;
export type JobRole = (typeof JOB_ROLES)[number];

export interface JobRolePrivileges {
  tables: string[];
  /** USAGE, SELECT, UPDATE on sequences (a serial column needs them to insert). */
  sequences: boolean;
  /** CREATE on the schemas. */
  schemaCreate: boolean;
}

export const JOB_ROLE_PRIVILEGES: Record<JobRole, JobRolePrivileges> = {
  hoop_ro: { tables: ['SELECT'], sequences: false, schemaCreate: false },
  hoop_rw: { tables: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], sequences: true, schemaCreate: false },
  hoop_ddl: { tables: ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'], sequences: true, schemaCreate: true },
};

/** `hoop_ro` → `ro`: the suffix of the connection names. */
export const jobRoleSuffix = (jobRole: JobRole) => jobRole.slice('hoop_'.length);

/** What a job does besides provisioning the job roles. */
export const JOB_STEPS = ['create-connections', 'send-webhook'] as const;
export type JobStep = (typeof JOB_STEPS)[number];

/** What a job is started with (`POST /api/dbroles/jobs`, or a tag change): the HTTP schema must give this. */
export interface CreateJobRequest {
  aws: { instance_arn: string };
  connection_prefix_name: string;
  job_steps: JobStep[];
  /** Where the passwords go in Vault KV v2; without it, into the service's own store. */
  vault_provider?: { secret_id: string } | undefined;
}

/** The event a job with `send-webhook` publishes when it ends (its detail type and `event_type`). */
export const JOB_FINISHED = 'dbroles.job.finished';

export type JobPhase = 'running' | 'failed' | 'completed';

export const PHASE_MESSAGES = {
  completed: 'All user roles have been successfully provisioned',
  failed: 'One or more user roles failed to be provisioned',
} as const;

export const lockHeldMessage = (databaseArn: string) => `process already being executed, resource_id=${databaseArn}`;

/** A cluster belongs to the first org that runs a job on it (409 for any other). */
export const CLUSTER_OWNED_MESSAGE = 'cluster is managed by another organization';

/** Why a job whose workflow died ends: another job found the cluster's lock held by a dead execution. */
export const takenOverMessage = (jobId: string) => `its workflow is no longer running; job ${jobId} took over the cluster's lock`;

export interface CredentialsInfo {
  secrets_manager_provider: 'database' | 'vault';
  secret_id: string;
  secret_keys: string[];
}

/** The outcome of one job role in a job. */
export interface JobRoleResult {
  user_role: JobRole;
  status: JobPhase;
  message: string;
  completed_at: string | null;
  credentials_info: CredentialsInfo;
}

/** A DB role job exactly as seed 002 shows it. */
export interface DbRoleJob {
  id: string;
  org_id: string;
  created_at: string;
  completed_at: string | null;
  spec: {
    account_arn: string;
    db_arn: string;
    db_engine: string;
    db_name: string;
    db_tags: { key: string; value: string }[];
  };
  status: { phase: JobPhase; message: string; result: JobRoleResult[] };
}

/** What the workflow carries: names and references only, never a secret. */
export interface JobTarget {
  org_id: string;
  job_id: string;
  cluster_arn: string;
  cluster_id: string;
  /** The cluster's RDS-managed master secret; the Data API logs in with it. */
  secret_arn: string;
  host: string;
  port: number;
  engine: string;
  vault_secret_id: string | null;
  connection_prefix_name: string;
  create_connections: boolean;
  send_webhook: boolean;
}

/** A job as stored: the API shape, what the workflow needs, and when it must have ended. */
export interface JobRecord {
  job: DbRoleJob;
  target: JobTarget;
  /** After this time a job still `running` has been lost (its execution timed out or crashed). */
  deadline: string;
}

export const VAULT_KEYS = ['HOST', 'PORT', 'USER', 'PASSWORD', 'DB'];

export function credentialsInfoOf(target: Pick<JobTarget, 'vault_secret_id' | 'cluster_id'>, jobRole: JobRole): CredentialsInfo {
  if (target.vault_secret_id === null) return { secrets_manager_provider: 'database', secret_id: '', secret_keys: [] };
  return { secrets_manager_provider: 'vault', secret_id: `${target.vault_secret_id}${jobRole}_${target.cluster_id}`, secret_keys: [...VAULT_KEYS] };
}

/** A job that will not finish by itself: each job role still running fails with this message. */
export function failRunning(results: JobRoleResult[], message: string, completedAt: string): JobRoleResult[] {
  return results.map((result): JobRoleResult => (result.status === 'running' ? { ...result, status: 'failed', message, completed_at: completedAt } : result));
}
