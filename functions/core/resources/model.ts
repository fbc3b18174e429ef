/**
 * The resources feature. A resource (a database, an application) has connections: the ways in, each
 * with its own secret and settings. The HTTP API and the stored items call a connection a "role"
 * (`roles`, `/roles/{role}`, `ROLE#…`); those names are the contract and stay, while the code says
 * connection, so that it is never taken for a database role or a DB role job's role.
 */

/** The kinds of connection. */
export const CONNECTION_TYPES = ['database', 'application', 'custom'] as const;
export type ConnectionType = (typeof CONNECTION_TYPES)[number];

/** The optional settings of a connection (seed 001); every one has a zero-value default. */
export interface ConnectionSettings {
  subtype?: string;
  command?: string[];
  /** Values are base64 strings or provider references (`_aws:…`, `_vaultkv2:…`). */
  secret?: Record<string, string>;
  agent_id?: string;
  access_max_duration?: number;
  attributes?: string[];
  connection_tags?: Record<string, string>;
  default_database?: string;
  force_approve_groups?: string[];
  guardrail_rules?: string[];
  jira_issue_template_id?: string;
  jit_access_duration_sec?: number;
  mandatory_metadata_fields?: string[];
  min_review_approvals?: number;
  redact_enabled?: boolean;
  redact_types?: string[];
  reviewers?: string[];
  tags?: string[];
}

export interface ConnectionInput extends ConnectionSettings {
  name: string;
  type: ConnectionType;
}

/** The replacement of a connection: its name comes from the path; one given here must match it. */
export interface ConnectionUpdateInput extends ConnectionSettings {
  name?: string;
  type: ConnectionType;
}

/** A resource's own fields, as a caller gives them. */
export interface ResourceInput {
  name: string;
  type: string;
  /** Defaults to `type`. */
  subtype?: string;
  env_vars: Record<string, string>;
  agent_id?: string;
}

export interface ResourceCreateInput extends ResourceInput {
  /** The connections created with the resource, in the same write (`roles` on the wire). */
  roles?: ConnectionInput[];
}

/** What a resource has, stored and shown alike. */
interface ResourceFields {
  id: string;
  name: string;
  type: string;
  subtype: string;
  env_vars: Record<string, string>;
  agent_id: string | null;
  created_at: string;
  updated_at: string;
}

/** A resource as stored, without its connections. `connection_names` maps each connection's name to its id. */
export interface ResourceRecord extends ResourceFields {
  connection_names: Record<string, string>;
  /**
   * What the resource keeps of each of its connections, by name, so that one read answers for the
   * resource and its connections. The store keeps it in the writes that change the connections;
   * absent on resources stored before it, or whose summaries would not fit the item (reads then
   * fetch the connections themselves).
   */
  connection_summaries?: Record<string, ConnectionSummary> | undefined;
  version: number;
}

/** What every connection has once its defaults are filled in, stored and shown alike. */
interface ConnectionFields extends Required<Omit<ConnectionSettings, 'subtype' | 'command' | 'secret' | 'agent_id'>> {
  id: string;
  name: string;
  type: ConnectionType;
  subtype: string;
  /** Empty for connections made by users; who made it for those the service made (plan/apply, DB role jobs). */
  managed_by: string;
  agent_id: string | null;
  command: string[];
}

/**
 * A connection: every setting filled in; secret values are base64 strings or references, sealed
 * (`functions/core/secrets.ts`) once stored, except in items written before encryption.
 */
export interface ConnectionRecord extends ConnectionFields {
  resource_id: string;
  secret: Record<string, string>;
}

/**
 * A connection without its secret's values: what a masked answer needs, kept on the resource. Only the
 * secret's keys are named, so a summary holds nothing to seal and cannot be taken for a record.
 */
export interface ConnectionSummary extends Omit<ConnectionRecord, 'secret'> {
  secret_keys: string[];
}

export function toConnectionSummary(connection: ConnectionRecord): ConnectionSummary {
  const { secret, ...fields } = connection;
  return { ...fields, secret_keys: Object.keys(secret) };
}

export const MASK = '*****';

/** A connection as callers see it: the secret's keys, never its values. */
export interface ConnectionView extends ConnectionFields {
  resource_name: string;
  secret: Record<string, typeof MASK>;
}

/** A resource as callers see it (env vars masked or left out), with its connections (`roles` on the wire) by name. */
export interface ResourceView extends ResourceFields {
  roles: ConnectionView[];
}

/** The secret values of one connection, as the audited reveal gives them (`role` is the wire name). */
export interface RevealedCredentials {
  role: string;
  secret: Record<string, string>;
}

/** hoop's default client command per subtype, used when a connection gives none. */
const DEFAULT_COMMANDS: Record<string, string[]> = {
  postgres: ['psql', '-v', 'ON_ERROR_STOP=1', '-A', '-F\t', '-P', 'pager=off', '-h', '$HOST', '-U', '$USER', '--port=$PORT', '$DB'],
  mysql: ['mysql', '-h$HOST', '-u$USER', '--port=$PORT', '-D$DB'],
  mssql: ['sqlcmd', '--exit-on-error', '--trim-spaces', '-s\t', '-r', '-S$HOST:$PORT', '-U$USER', '-d$DB', '-i/dev/stdin'],
};

/**
 * A connection's settings with defaults filled in. The subtype defaults to the resource's subtype when
 * the connection has the resource's type (a `database` connection of a `postgres` resource is
 * `postgres`), otherwise to the connection's type; the command defaults to the subtype's usual client.
 */
export function connectionRecordFrom(
  input: ConnectionInput | ConnectionUpdateInput,
  name: string,
  resource: Pick<ResourceRecord, 'id' | 'type' | 'subtype'>,
  identity: { id: string; managed_by: string },
): ConnectionRecord {
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

/**
 * The answer for a connection, field by field in the order of the wire schema: nothing else the
 * stored item may hold is shown, and the secret's values never are.
 */
export function toConnectionView(connection: ConnectionRecord | ConnectionSummary, resourceName: string): ConnectionView {
  const secretKeys = 'secret_keys' in connection ? connection.secret_keys : Object.keys(connection.secret);
  return {
    id: connection.id,
    name: connection.name,
    resource_name: resourceName,
    type: connection.type,
    subtype: connection.subtype,
    managed_by: connection.managed_by,
    agent_id: connection.agent_id,
    command: connection.command,
    secret: Object.fromEntries(secretKeys.map((key) => [key, MASK] as const)),
    access_max_duration: connection.access_max_duration,
    attributes: connection.attributes,
    connection_tags: connection.connection_tags,
    default_database: connection.default_database,
    force_approve_groups: connection.force_approve_groups,
    guardrail_rules: connection.guardrail_rules,
    jira_issue_template_id: connection.jira_issue_template_id,
    jit_access_duration_sec: connection.jit_access_duration_sec,
    mandatory_metadata_fields: connection.mandatory_metadata_fields,
    min_review_approvals: connection.min_review_approvals,
    redact_enabled: connection.redact_enabled,
    redact_types: connection.redact_types,
    reviewers: connection.reviewers,
    tags: connection.tags,
  };
}

/**
 * The answer for a resource. Env vars are shown (credentials masked) to admins and auditors; other
 * users get `{}`, as in hoop, since hosts and ARNs are for those who manage the resource.
 */
export function toResourceView(resource: ResourceRecord, connections: Array<ConnectionRecord | ConnectionSummary>, options: { showEnvVars: boolean }): ResourceView {
  return {
    id: resource.id,
    name: resource.name,
    type: resource.type,
    subtype: resource.subtype,
    env_vars: options.showEnvVars ? maskEnvVars(resource.env_vars) : {},
    agent_id: resource.agent_id,
    roles: [...connections].sort((a, b) => (a.name < b.name ? -1 : 1)).map((connection) => toConnectionView(connection, resource.name)),
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
