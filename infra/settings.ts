/** Deployment settings: CDK context values (`cdk.json` or `-c key=value`), with defaults. */
export interface DeploymentSettings {
  /** The identity provider's issuer URL, as in the tokens' `iss`. */
  jwtIssuer: string;
  /** The audience the tokens must carry. */
  jwtAudience: string;
  orgClaim: string;
  groupsClaim: string;
  /** The group that may do everything; only a group exactly equal to it counts. */
  adminGroup: string;
  /** The group that may read everything. */
  auditorGroup: string;
  logRetentionDays: number;
  /** Origins that browsers may call the API from; empty (the default): no CORS. */
  corsAllowOrigins: string[];
  /** How long a plan may be applied, in seconds. */
  planTtlSeconds: number;
  /** Aurora clusters the service may reach through the Data API (ARN patterns). */
  clusterArns: string[];
  /** Secrets of those clusters the Data API may read on the service's behalf (ARN patterns). */
  clusterSecretArns: string[];
  /** The org that jobs started by a tag change belong to. */
  triggerOrgId: string;
  provisionTagKey: string;
  provisionTagValue: string;
  /** `job_steps` of jobs started by a tag change. */
  triggerJobSteps: string[];
  /** Vault's address, for jobs that store credentials in KV v2 (empty: no Vault). */
  vaultAddress: string;
  /**
   * The Secrets Manager secret (ARN) whose string value is Vault's token; read by the job Task that
   * writes to Vault at cold start. Empty: no token (Vault is not used).
   */
  vaultTokenSecretArn: string;
  /** The Powertools log level of every function (`POWERTOOLS_LOG_LEVEL`). */
  logLevel: LogLevelName;
}

/** The log levels Powertools knows. */
export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

export const DEFAULT_SETTINGS: DeploymentSettings = {
  jwtIssuer: 'https://auth.example.com/',
  jwtAudience: 'db-access-api',
  orgClaim: 'org_id',
  groupsClaim: 'groups',
  adminGroup: 'admin',
  auditorGroup: 'auditor',
  logRetentionDays: 30,
  corsAllowOrigins: [],
  planTtlSeconds: 3600,
  clusterArns: ['arn:aws:rds:*:*:cluster:*'],
  clusterSecretArns: ['arn:aws:secretsmanager:*:*:secret:rds!cluster-*'],
  triggerOrgId: 'default',
  provisionTagKey: 'hoop.dev/provision-roles',
  provisionTagValue: 'true',
  triggerJobSteps: [],
  vaultAddress: '',
  vaultTokenSecretArn: '',
  logLevel: 'INFO',
};

type ContextReader = (key: string) => unknown;

const list = (value: unknown): string[] | undefined =>
  typeof value === 'string' ? value.split(',').map((item) => item.trim()).filter(Boolean) : Array.isArray(value) ? value.map(String) : undefined;

/** Reads every setting from the CDK context; `-c key=value` gives strings, `cdk.json` may give typed values. */
export function settingsFrom(read: ContextReader): DeploymentSettings {
  const text = (key: keyof DeploymentSettings) => {
    const value = read(key);
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const number = (key: keyof DeploymentSettings) => {
    const value = read(key);
    return value === undefined || value === '' ? undefined : Number(value);
  };
  return {
    jwtIssuer: text('jwtIssuer') ?? DEFAULT_SETTINGS.jwtIssuer,
    jwtAudience: text('jwtAudience') ?? DEFAULT_SETTINGS.jwtAudience,
    orgClaim: text('orgClaim') ?? DEFAULT_SETTINGS.orgClaim,
    groupsClaim: text('groupsClaim') ?? DEFAULT_SETTINGS.groupsClaim,
    adminGroup: text('adminGroup') ?? DEFAULT_SETTINGS.adminGroup,
    auditorGroup: text('auditorGroup') ?? DEFAULT_SETTINGS.auditorGroup,
    logRetentionDays: number('logRetentionDays') ?? DEFAULT_SETTINGS.logRetentionDays,
    corsAllowOrigins: list(read('corsAllowOrigins')) ?? DEFAULT_SETTINGS.corsAllowOrigins,
    planTtlSeconds: number('planTtlSeconds') ?? DEFAULT_SETTINGS.planTtlSeconds,
    clusterArns: list(read('clusterArns')) ?? DEFAULT_SETTINGS.clusterArns,
    clusterSecretArns: list(read('clusterSecretArns')) ?? DEFAULT_SETTINGS.clusterSecretArns,
    triggerOrgId: text('triggerOrgId') ?? DEFAULT_SETTINGS.triggerOrgId,
    provisionTagKey: text('provisionTagKey') ?? DEFAULT_SETTINGS.provisionTagKey,
    provisionTagValue: text('provisionTagValue') ?? DEFAULT_SETTINGS.provisionTagValue,
    triggerJobSteps: list(read('triggerJobSteps')) ?? DEFAULT_SETTINGS.triggerJobSteps,
    vaultAddress: text('vaultAddress') ?? DEFAULT_SETTINGS.vaultAddress,
    vaultTokenSecretArn: text('vaultTokenSecretArn') ?? DEFAULT_SETTINGS.vaultTokenSecretArn,
    logLevel: logLevelOf(text('logLevel')) ?? DEFAULT_SETTINGS.logLevel,
  };
}

/** A log level in any case; an unknown one fails the synth rather than reaching Powertools (which would fall back to INFO). */
function logLevelOf(value: string | undefined): LogLevelName | undefined {
  if (value === undefined) return undefined;
  const level = LOG_LEVELS.find((name) => name === value.toUpperCase());
  if (!level) throw new Error(`logLevel must be one of ${LOG_LEVELS.join(', ')}`);
  return level;
}
