/**
 * Deployment settings, read once from the environment. Every endpoint override is optional: unset,
 * the SDK clients talk to AWS; set (locally and in tests), they talk to the local servers.
 */
export interface ServiceConfig {
  tableName: string;
  /** Where first answers to POSTs with an Idempotency-Key are kept (24 h). */
  idempotencyTableName: string;
  orgClaim: string;
  groupsClaim: string;
  /** The group whose members may do everything; only a group equal to it counts. */
  adminGroup: string;
  /** The group whose members may read everything. */
  auditorGroup: string;
  /** Narrows the org claim's values: the whole value must match (`ORG_ID_PATTERN`). */
  orgIdPattern: RegExp | undefined;
  awsRegion: string;
  dynamodbEndpoint: string | undefined;
  rdsDataEndpoint: string | undefined;
  stepFunctionsEndpoint: string | undefined;
  eventBridgeEndpoint: string | undefined;
  /** How long one Data API call may take before the SDK gives up (the service itself stops at 45 s). */
  dataApiTimeoutSeconds: number;
  /** How long a plan may be applied (seconds). */
  planTtlSeconds: number;
  /** The DB role job workflow. */
  stateMachineArn: string;
  /** The workflow's execution timeout (seconds), also the lease of a job's database lock. */
  jobTimeoutSeconds: number;
  eventBusName: string;
  /** Set only locally: the local stack's description of its cluster, instead of calling RDS. */
  localRdsCatalog: string | undefined;
  vaultAddress: string | undefined;
  /** Locally: Vault's token itself. In AWS it is read from Secrets Manager (`vaultTokenSecretArn`). */
  vaultToken: string | undefined;
  /** The Secrets Manager secret that holds Vault's token (AWS). */
  vaultTokenSecretArn: string | undefined;
  /** The KMS key that wraps the data keys of secrets at rest (AWS). */
  secretsKmsKeyArn: string | undefined;
  /** Locally, instead of KMS: the file holding a 256-bit AES key that wraps them. */
  secretsLocalKeyFile: string | undefined;
  trigger: {
    orgId: string;
    tagKey: string;
    tagValue: string;
    jobSteps: string[];
  };
}

function optional(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** A pattern that must match a whole value; an invalid one fails the function's start, not a request. */
function wholeValuePattern(name: string): RegExp | undefined {
  const source = optional(name);
  return source === undefined ? undefined : new RegExp(`^(?:${source})$`, 'u');
}

export function loadConfig(): ServiceConfig {
  return {
    tableName: optional('TABLE_NAME') ?? 'db-access',
    idempotencyTableName: optional('IDEMPOTENCY_TABLE_NAME') ?? 'db-access-idempotency',
    orgClaim: optional('ORG_CLAIM') ?? 'org_id',
    groupsClaim: optional('GROUPS_CLAIM') ?? 'groups',
    adminGroup: optional('ADMIN_GROUP') ?? 'admin',
    auditorGroup: optional('AUDITOR_GROUP') ?? 'auditor',
    orgIdPattern: wholeValuePattern('ORG_ID_PATTERN'),
    awsRegion: optional('AWS_REGION') ?? 'us-east-1',
    dynamodbEndpoint: optional('DYNAMODB_ENDPOINT'),
    rdsDataEndpoint: optional('RDS_DATA_ENDPOINT'),
    stepFunctionsEndpoint: optional('STEP_FUNCTIONS_ENDPOINT'),
    eventBridgeEndpoint: optional('EVENTBRIDGE_ENDPOINT'),
    dataApiTimeoutSeconds: Number(optional('DATA_API_TIMEOUT_SECONDS') ?? 60),
    planTtlSeconds: Number(optional('PLAN_TTL_SECONDS') ?? 3600),
    stateMachineArn: optional('STATE_MACHINE_ARN') ?? '',
    jobTimeoutSeconds: Number(optional('JOB_TIMEOUT_SECONDS') ?? 900),
    eventBusName: optional('EVENT_BUS_NAME') ?? 'default',
    localRdsCatalog: optional('LOCAL_RDS_CATALOG'),
    vaultAddress: optional('VAULT_ADDR'),
    vaultToken: optional('VAULT_TOKEN'),
    vaultTokenSecretArn: optional('VAULT_TOKEN_SECRET_ARN'),
    secretsKmsKeyArn: optional('SECRETS_KMS_KEY_ARN'),
    secretsLocalKeyFile: optional('SECRETS_LOCAL_KEY_FILE'),
    trigger: {
      orgId: optional('TRIGGER_ORG_ID') ?? 'default',
      tagKey: optional('TRIGGER_TAG_KEY') ?? 'hoop.dev/provision-roles',
      tagValue: optional('TRIGGER_TAG_VALUE') ?? 'true',
      jobSteps: (optional('TRIGGER_JOB_STEPS') ?? '').split(',').map((step) => step.trim()).filter(Boolean),
    },
  };
}

export const config: ServiceConfig = loadConfig();
