import * as z from 'zod/mini';
import type { GroupRequests } from '../contracts';
import {
  CONNECTION_TYPES,
  type ConnectionInput,
  type ConnectionUpdateInput,
  type ResourceCreateInput,
  type ResourceInput,
} from '../../core/resources/model';
import { builtOnFirstUse } from '../first-use';
import { type Holds, identifierText, namedRecord, nameText, pageQuery, pathName, resourceParams, type Same, uuid } from './common';

/*
 * The wire names of the resources feature: what the core calls a connection of a resource, the API
 * calls a role (`roles`, `/roles/{role}`, the `Role` schemas). The core's types are what the use
 * cases take and give; the checks at the end keep each schema's output and its core type the same.
 * The answers' schemas are in `responses.ts`.
 */

/** Lists of names (groups, tags, attributes, redaction types, rule ids). */
const nameList = (what: string) => z.array(nameText(what, 256)).check(z.maxLength(100));
const count = z.number().check(z.int(), z.gte(0), z.lte(2_147_483_647));

const roleTypes = CONNECTION_TYPES;

/** Secret values are base64 strings or provider references (`_aws:…`, `_envjson:…`, `_vaultkv2:…`). */
const secretMap = () =>
  namedRecord('secret key', 256, z.string().check(z.maxLength(65_536))).check(
  z.refine((value) => Object.keys(value).length <= 50, 'at most 50 secret keys'),
  z.meta({ description: 'Write-only. Keys like `envvar:PASS`; values base64 strings or provider references.' }),
);

const envVars = () =>
  namedRecord('env var name', 256, z.string().check(z.maxLength(4096))).check(
  z.refine((value) => Object.keys(value).length <= 100, 'at most 100 environment variables'),
  z.meta({
    description:
      'Plain string values; keys are names (not empty, valid Unicode, no control characters, not `__proto__`). Values of credential ' +
      'keys are masked in answers. A key is read as words (NFKC-normalised, upper case, split on anything not a letter or digit, on ' +
      'camelCase and between letters and digits); it is a credential when a word is PASS, PWD or PW, or its letters hold PASSWORD, ' +
      'PASSWD, PASSPHRASE, SECRET, TOKEN, CREDENTIAL, APIKEY or PRIVATEKEY (`DB_PASSWORD`, `envvar:db-password`, `dbPass`, ' +
      '`GITHUB_TOKEN`), or when it has a letter or digit outside ASCII. An ARN reference (last word ARN, value an ARN, as ' +
      '`RDS_SECRET_ARN`) is shown.',
    example: { RDS_CLUSTER_ARN: 'arn:aws:rds:us-east-1:123456789012:cluster:demo' },
  }),
);

/** The optional connection settings of seed 001; every one has a zero-value default. */
const roleSettings = () => ({
  subtype: z.optional(nameText('subtype', 64)),
  command: z.optional(z.array(z.string().check(z.maxLength(4096))).check(z.maxLength(100))),
  secret: z.optional(secretMap()),
  agent_id: z.optional(uuid),
  access_max_duration: z.optional(count),
  attributes: z.optional(nameList('attribute')),
  connection_tags: z.optional(namedRecord('connection tag', 256, z.string().check(z.maxLength(256)))),
  default_database: z.optional(identifierText('default_database', 256)),
  force_approve_groups: z.optional(nameList('group')),
  guardrail_rules: z.optional(nameList('guardrail rule')),
  jira_issue_template_id: z.optional(identifierText('jira_issue_template_id', 256)),
  jit_access_duration_sec: z.optional(count),
  mandatory_metadata_fields: z.optional(nameList('metadata field')),
  min_review_approvals: z.optional(count),
  redact_enabled: z.optional(z.boolean()),
  redact_types: z.optional(nameList('redact type')),
  reviewers: z.optional(nameList('reviewer')),
  tags: z.optional(nameList('tag')),
});

const roleType = () => z.enum(roleTypes, `type must be one of: ${roleTypes.join(', ')}`);

export const roleInput = builtOnFirstUse(() =>
  z.object({ name: pathName('role name'), type: roleType(), ...roleSettings() }).check(z.meta({ id: 'RoleRequest' })),
);

/** PUT of a role: the name comes from the path and cannot change. */
export const roleUpdateInput = builtOnFirstUse(() =>
  z.object({ name: z.optional(pathName('role name')), type: roleType(), ...roleSettings() }).check(z.meta({ id: 'RoleUpdateRequest' })),
);

const resourceFields = () => ({
  name: pathName('name').check(z.meta({ example: 'my-postgres' })),
  type: nameText('type', 64).check(z.meta({ example: 'database' })),
  subtype: z.optional(nameText('subtype', 64).check(z.meta({ description: 'Defaults to `type`', example: 'postgres' }))),
  env_vars: envVars(),
  agent_id: z.optional(uuid),
});

const MAX_ROLES_PER_CREATE = 99;

export const resourceCreateInput = builtOnFirstUse(() =>
  z
  .object({
    ...resourceFields(),
    roles: z.optional(z.array(roleInput()).check(z.maxLength(MAX_ROLES_PER_CREATE, `at most ${MAX_ROLES_PER_CREATE} roles in one request`))),
  })
  .check(
    z.superRefine((value, ctx) => {
      const seen = new Set<string>();
      value.roles?.forEach((role, index) => {
        if (seen.has(role.name)) {
          ctx.addIssue({ code: 'custom', path: ['roles', index, 'name'], message: `duplicate role name: ${role.name}` });
        }
        seen.add(role.name);
      });
    }),
    z.meta({ id: 'ResourceRequest' }),
  ),
);

export const resourceUpdateInput = builtOnFirstUse(() => z.object(resourceFields()).check(z.meta({ id: 'ResourceUpdateRequest' })));

export const roleParams = z.object({ name: pathName('resource name'), role: pathName('role name') });

export const resourceListQuery = z.extend(pageQuery, {
  search: z.optional(z.string().check(z.maxLength(128), z.meta({ description: 'Case-insensitive match on name, type and subtype' }))),
});

/** What the resources function validates, by operation. */
export const resourceRequests = {
  group: 'resources',
  operations: {
    // Getters: a body schema is built by the first request that needs it (see builtOnFirstUse).
    get createResource() {
      return { body: resourceCreateInput() };
    },
    listResources: { query: resourceListQuery },
    getResource: { params: resourceParams },
    get updateResource() {
      return { params: resourceParams, body: resourceUpdateInput() };
    },
    deleteResource: { params: resourceParams },
    get createRole() {
      return { params: resourceParams, body: roleInput() };
    },
    get updateRole() {
      return { params: roleParams, body: roleUpdateInput() };
    },
    deleteRole: { params: roleParams },
    revealRoleCredentials: { params: roleParams },
  },
} as const satisfies GroupRequests<'resources'>;

export type SchemasMatchTheCore = [
  Holds<Same<z.output<ReturnType<typeof roleInput>>, ConnectionInput>>,
  Holds<Same<z.output<ReturnType<typeof roleUpdateInput>>, ConnectionUpdateInput>>,
  Holds<Same<z.output<ReturnType<typeof resourceCreateInput>>, ResourceCreateInput>>,
  Holds<Same<z.output<ReturnType<typeof resourceUpdateInput>>, ResourceInput>>,
];
