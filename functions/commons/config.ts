/**
 * Deployment settings, read once from the environment. Every endpoint override is optional: unset,
 * the SDK clients talk to AWS; set (locally and in tests), they talk to the local servers.
 */
export interface ServiceConfig {
  tableName: string;
  orgClaim: string;
  groupsClaim: string;
  awsRegion: string;
  dynamodbEndpoint: string | undefined;
  rdsDataEndpoint: string | undefined;
  /** How long a plan may be applied (seconds). */
  planTtlSeconds: number;
}

function optional(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}

export function loadConfig(): ServiceConfig {
  return {
    tableName: optional('TABLE_NAME') ?? 'db-access',
    orgClaim: optional('ORG_CLAIM') ?? 'org_id',
    groupsClaim: optional('GROUPS_CLAIM') ?? 'groups',
    awsRegion: optional('AWS_REGION') ?? 'us-east-1',
    dynamodbEndpoint: optional('DYNAMODB_ENDPOINT'),
    rdsDataEndpoint: optional('RDS_DATA_ENDPOINT'),
    planTtlSeconds: Number(optional('PLAN_TTL_SECONDS') ?? 3600),
  };
}

export const config: ServiceConfig = loadConfig();
