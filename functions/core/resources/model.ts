import { type ResourceResponse, type RoleInput, type RoleResponse, type RoleUpdateInput, roleResponse } from '../../http/schemas/resources';

/** A resource as stored, without its roles. `role_names` maps each role name to its id. */
export interface ResourceRecord {
  id: string;
  name: string;
  type: string;
  subtype: string;
  env_vars: Record<string, string>;
  agent_id: string | null;
  role_names: Record<string, string>;
  version: number;
  created_at: string;
  updated_at: string;
}

/** A role as stored: every setting filled in, secret values in clear (base64 or references). */
export type RoleRecord = Omit<RoleResponse, 'secret' | 'resource_name'> & {
  resource_id: string;
  secret: Record<string, string>;
};

export const MASK = '*****';

/** hoop's default client command per subtype, used when a role gives none. */
const DEFAULT_COMMANDS: Record<string, string[]> = {
  postgres: ['psql', '-v', 'ON_ERROR_STOP=1', '-A', '-F\t', '-P', 'pager=off', '-h', '$HOST', '-U', '$USER', '--port=$PORT', '$DB'],
  mysql: ['mysql', '-h$HOST', '-u$USER', '--port=$PORT', '-D$DB'],
  mssql: ['sqlcmd', '--exit-on-error', '--trim-spaces', '-s\t', '-r', '-S$HOST:$PORT', '-U$USER', '-d$DB', '-i/dev/stdin'],
};

/**
 * A role's settings with defaults filled in. The subtype defaults to the resource's subtype when the
 * role has the resource's type (a `database` role of a `postgres` resource is `postgres`), otherwise to
 * the role's type; the command defaults to the subtype's usual client.
 */
export function roleRecordFrom(
  input: RoleInput | RoleUpdateInput,
  name: string,
  resource: Pick<ResourceRecord, 'id' | 'type' | 'subtype'>,
  identity: { id: string; managed_by: string },
): RoleRecord {
  const subtype = input.subtype ?? (input.type === resource.type ? resource.subtype : input.type);
  return {
    id: identity.id,
    name,
    resource_id: resource.id,
    type: input.type,
    subtype,
    managed_by: identity.managed_by,
    agent_id: input.agent_id ?? null,
    command: input.command && input.command.length > 0 ? input.command : (DEFAULT_COMMANDS[subtype] ?? []),
    secret: input.secret ?? {},
    access_max_duration: input.access_max_duration ?? 0,
    attributes: input.attributes ?? [],
    connection_tags: input.connection_tags ?? {},
    default_database: input.default_database ?? '',
    force_approve_groups: input.force_approve_groups ?? [],
    guardrail_rules: input.guardrail_rules ?? [],
    jira_issue_template_id: input.jira_issue_template_id ?? '',
    jit_access_duration_sec: input.jit_access_duration_sec ?? 0,
    mandatory_metadata_fields: input.mandatory_metadata_fields ?? [],
    min_review_approvals: input.min_review_approvals ?? 0,
    redact_enabled: input.redact_enabled ?? false,
    redact_types: input.redact_types ?? [],
    reviewers: input.reviewers ?? [],
    tags: input.tags ?? [],
  };
}

/** Found anywhere in a key's letters, whatever splits them: DB_PASSWORD, dbPassword, PASS_WORD, API-KEY. */
const CREDENTIAL_STEMS = ['PASSWORD', 'PASSWD', 'PASSPHRASE', 'SECRET', 'TOKEN', 'CREDENTIAL', 'APIKEY', 'PRIVATEKEY'];
/** Too short to look for inside words (COMPASS, PWDUMP): credentials only as words of their own. */
const CREDENTIAL_WORDS = new Set(['PASS', 'PWD', 'PW']);
const ARN = /^arn:[^:\s]+:[^:\s]+:[^:\s]*:[^:\s]*:\S+$/;

/**
 * Whether an env var holds a credential, so that answers mask its value. The key is normalised (NFKC,
 * so fullwidth letters are plain ones; upper case) and split into words on anything that is not a
 * letter or digit, between a lower- and an upper-case letter, and between letters and digits; a
 * credential word, or a stem anywhere in its letters, makes it a credential. A letter or digit outside
 * ASCII (a Cyrillic Р in PASSWORD) counts as one too: masking too much hides a value, too little shows
 * a secret. An ARN reference (`RDS_SECRET_ARN`: last word ARN, value an ARN) says where a secret is.
 */
export function isCredentialEnvVar(key: string, value: string): boolean {
  const words = key
    .normalize('NFKC')
    .replace(/(?<=\p{Ll})(?=\p{Lu})|(?<=\p{L})(?=\p{N})|(?<=\p{N})(?=\p{L})/gu, ' ')
    .toUpperCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '');
  if (words.at(-1) === 'ARN' && ARN.test(value)) return false;
  const letters = words.join('');
  return (
    /[^\p{ASCII}]/u.test(letters) ||
    words.some((word) => CREDENTIAL_WORDS.has(word)) ||
    CREDENTIAL_STEMS.some((stem) => letters.includes(stem))
  );
}

export function maskEnvVars(envVars: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(envVars).map(([key, value]) => [key, isCredentialEnvVar(key, value) ? MASK : value]));
}

/** Answer fields in the order of the schema, whatever order the store kept them in. */
const ROLE_RESPONSE_KEYS = Object.keys(roleResponse.shape) as (keyof RoleResponse)[];

export function toRoleResponse(role: RoleRecord, resourceName: string): RoleResponse {
  const { resource_id: _resourceId, secret, ...settings } = role;
  const answer: RoleResponse = {
    ...settings,
    resource_name: resourceName,
    secret: Object.fromEntries(Object.keys(secret).map((key) => [key, MASK])) as Record<string, typeof MASK>,
  };
  return Object.fromEntries(ROLE_RESPONSE_KEYS.map((key) => [key, answer[key]])) as RoleResponse;
}

/**
 * The answer for a resource. Env vars are shown (credentials masked) to admins and auditors; other
 * users get `{}`, as in hoop, since hosts and ARNs are for those who manage the resource.
 */
export function toResourceResponse(
  resource: ResourceRecord,
  roles: RoleRecord[],
  options: { showEnvVars: boolean },
): ResourceResponse {
  return {
    id: resource.id,
    name: resource.name,
    type: resource.type,
    subtype: resource.subtype,
    env_vars: options.showEnvVars ? maskEnvVars(resource.env_vars) : {},
    agent_id: resource.agent_id,
    roles: [...roles].sort((a, b) => (a.name < b.name ? -1 : 1)).map((role) => toRoleResponse(role, resource.name)),
    created_at: resource.created_at,
    updated_at: resource.updated_at,
  };
}

const PROVIDER_REFERENCE = /^_(aws|envjson|vaultkv1|vaultkv2):/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A secret value for the credentials endpoint: base64 decoded; provider references as stored. */
export function revealSecretValue(value: string): string {
  if (PROVIDER_REFERENCE.test(value) || !BASE64.test(value)) return value;
  return Buffer.from(value, 'base64').toString('utf8');
}
