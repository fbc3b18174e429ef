import * as z from 'zod';
import {
  CONNECTION_TYPES,
  type ConnectionInput,
  type ConnectionUpdateInput,
  type ConnectionView,
  MASK,
  type ResourceCreateInput,
  type ResourceInput,
  type ResourceView,
  type RevealedCredentials,
} from '../../core/resources/model';
import { type Holds, identifierText, namedRecord, nameText, pageOf, pageQuery, pathName, type Same, timestamp, uuid } from './common';

/*
 * The wire names of the resources feature: what the core calls a connection of a resource, the API
 * calls a role (`roles`, `/roles/{role}`, the `Role` schemas). The core's types are what the use
 * cases take and give; the checks at the end keep each schema's output and its core type the same.
 */

/** Lists of names (groups, tags, attributes, redaction types, rule ids). */
const nameList = (what: string) => z.array(nameText(what, 256)).max(100);
const count = z.number().int().min(0).max(2_147_483_647);

export const roleTypes = CONNECTION_TYPES;

/** Secret values are base64 strings or provider references (`_aws:…`, `_envjson:…`, `_vaultkv2:…`). */
export const secretMap = namedRecord('secret key', 256, z.string().max(65_536))
  .refine((value) => Object.keys(value).length <= 50, 'at most 50 secret keys')
  .meta({ description: 'Write-only. Keys like `envvar:PASS`; values base64 strings or provider references.' });

export const envVars = namedRecord('env var name', 256, z.string().max(4096))
  .refine((value) => Object.keys(value).length <= 100, 'at most 100 environment variables')
  .meta({
    description:
      'Plain string values; keys are names (not empty, valid Unicode, no control characters, not `__proto__`). Values of credential ' +
      'keys are masked in answers. A key is read as words (NFKC-normalised, upper case, split on anything not a letter or digit, on ' +
      'camelCase and between letters and digits); it is a credential when a word is PASS, PWD or PW, or its letters hold PASSWORD, ' +
      'PASSWD, PASSPHRASE, SECRET, TOKEN, CREDENTIAL, APIKEY or PRIVATEKEY (`DB_PASSWORD`, `envvar:db-password`, `dbPass`, ' +
      '`GITHUB_TOKEN`), or when it has a letter or digit outside ASCII. An ARN reference (last word ARN, value an ARN, as ' +
      '`RDS_SECRET_ARN`) is shown.',
    example: { RDS_CLUSTER_ARN: 'arn:aws:rds:us-east-1:123456789012:cluster:demo' },
  });

/** The optional connection settings of seed 001; every one has a zero-value default. */
const roleSettings = {
  subtype: nameText('subtype', 64).optional(),
  command: z.array(z.string().max(4096)).max(100).optional(),
  secret: secretMap.optional(),
  agent_id: uuid.optional(),
  access_max_duration: count.optional(),
  attributes: nameList('attribute').optional(),
  connection_tags: namedRecord('connection tag', 256, z.string().max(256)).optional(),
  default_database: identifierText('default_database', 256).optional(),
  force_approve_groups: nameList('group').optional(),
  guardrail_rules: nameList('guardrail rule').optional(),
  jira_issue_template_id: identifierText('jira_issue_template_id', 256).optional(),
  jit_access_duration_sec: count.optional(),
  mandatory_metadata_fields: nameList('metadata field').optional(),
  min_review_approvals: count.optional(),
  redact_enabled: z.boolean().optional(),
  redact_types: nameList('redact type').optional(),
  reviewers: nameList('reviewer').optional(),
  tags: nameList('tag').optional(),
};

export const roleInput = z
  .object({
    name: pathName('role name'),
    type: z.enum(roleTypes, `type must be one of: ${roleTypes.join(', ')}`),
    ...roleSettings,
  })
  .meta({ id: 'RoleRequest' });

/** PUT of a role: the name comes from the path and cannot change. */
export const roleUpdateInput = z
  .object({
    name: pathName('role name').optional(),
    type: z.enum(roleTypes, `type must be one of: ${roleTypes.join(', ')}`),
    ...roleSettings,
  })
  .meta({ id: 'RoleUpdateRequest' });

const resourceFields = {
  name: pathName('name').meta({ example: 'my-postgres' }),
  type: nameText('type', 64).meta({ example: 'database' }),
  subtype: nameText('subtype', 64).optional().meta({ description: 'Defaults to `type`', example: 'postgres' }),
  env_vars: envVars,
  agent_id: uuid.optional(),
};

export const MAX_ROLES_PER_CREATE = 99;

export const resourceCreateInput = z
  .object({
    ...resourceFields,
    roles: z.array(roleInput).max(MAX_ROLES_PER_CREATE, `at most ${MAX_ROLES_PER_CREATE} roles in one request`).optional(),
  })
  .superRefine((value, ctx) => {
    const seen = new Set<string>();
    value.roles?.forEach((role, index) => {
      if (seen.has(role.name)) {
        ctx.addIssue({ code: 'custom', path: ['roles', index, 'name'], message: `duplicate role name: ${role.name}` });
      }
      seen.add(role.name);
    });
  })
  .meta({ id: 'ResourceRequest' });

export const resourceUpdateInput = z.object(resourceFields).meta({ id: 'ResourceUpdateRequest' });

export const resourceParams = z.object({ name: pathName('resource name') });
export const roleParams = z.object({ name: pathName('resource name'), role: pathName('role name') });

export const resourceListQuery = pageQuery.extend({
  search: z.string().max(128).optional().meta({ description: 'Case-insensitive match on name, type and subtype' }),
});

export const roleResponse = z
  .object({
    id: uuid,
    name: z.string(),
    resource_name: z.string(),
    type: z.enum(roleTypes),
    subtype: z.string(),
    managed_by: z.string().meta({ description: 'Empty for roles made by users; set for roles the service made' }),
    agent_id: uuid.nullable(),
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
  .meta({ id: 'Role' });

export const resourceResponse = z
  .object({
    id: uuid,
    name: z.string(),
    type: z.string(),
    subtype: z.string(),
    env_vars: z.record(z.string(), z.string()),
    agent_id: uuid.nullable(),
    roles: z.array(roleResponse),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Resource' });

export const resourcePage = pageOf(resourceResponse, 'ResourcePage');

export const credentialsResponse = z
  .object({ role: z.string(), secret: z.record(z.string(), z.string()) })
  .meta({ id: 'RoleCredentials', description: 'Plain (base64-decoded) secret values; provider references as stored' });


export type SchemasMatchTheCore = [
  Holds<Same<z.output<typeof roleInput>, ConnectionInput>>,
  Holds<Same<z.output<typeof roleUpdateInput>, ConnectionUpdateInput>>,
  Holds<Same<z.output<typeof resourceCreateInput>, ResourceCreateInput>>,
  Holds<Same<z.output<typeof resourceUpdateInput>, ResourceInput>>,
  Holds<Same<z.output<typeof roleResponse>, ConnectionView>>,
  Holds<Same<z.output<typeof resourceResponse>, ResourceView>>,
  Holds<Same<z.output<typeof credentialsResponse>, RevealedCredentials>>,
];
