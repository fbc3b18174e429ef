import { type ConnectionInput, type ConnectionRecord, type ResourceRecord, revealSecretValue } from '../resources/model';
import { JOB_ROLES, type JobRole, type JobTarget, jobRoleSuffix, VAULT_KEYS } from './model';
import type { JobRoleCredentialsWriter, ServiceCredentialsStore, VaultKv2Writer } from './ports';

export const DBROLES_MANAGER = 'dbroles';

/** The connection tag that names a connection's cluster. */
const CLUSTER_TAG = 'hoop.dev/aws-connect.dbarn';

const base64 = (value: string) => Buffer.from(value, 'utf8').toString('base64');

/** The resource that holds a cluster's credentials and connections: named after the cluster id. */
function clusterResource(target: JobTarget): Pick<ResourceRecord, 'name' | 'type' | 'subtype' | 'env_vars'> {
  return {
    name: target.cluster_id,
    type: 'database',
    subtype: subtypeOf(target),
    env_vars: { HOST: target.host, PORT: String(target.port), RDS_CLUSTER_ARN: target.cluster_arn, RDS_SECRET_ARN: target.secret_arn },
  };
}

/** The resource and connection subtype of a cluster's engine. */
const subtypeOf = (target: JobTarget) => (target.engine === 'aurora-mysql' ? 'mysql' : 'postgres');

/** The connection `<prefix>ro|rw|ddl` of `create-connections`. */
const jobConnection = (target: JobTarget, jobRole: JobRole, secret: Record<string, string>, database: string): ConnectionInput => ({
  name: `${target.connection_prefix_name}${jobRoleSuffix(jobRole)}`,
  type: 'database',
  subtype: subtypeOf(target),
  default_database: database,
  secret,
  connection_tags: { [CLUSTER_TAG]: target.cluster_arn },
});

/**
 * The job role a stored connection of the cluster's resource logs in as, from its USER: the job role
 * itself (database store) or a reference to `<secret_id><job role>_<cluster id>` (Vault KV v2).
 */
function jobRoleOf(stored: ConnectionRecord, target: JobTarget): JobRole | undefined {
  // Clusters of the same id in other regions or accounts share the resource; a connection names its own.
  const cluster = stored.connection_tags[CLUSTER_TAG];
  if (stored.managed_by !== DBROLES_MANAGER || (cluster !== undefined && cluster !== target.cluster_arn)) return undefined;
  const user = revealSecretValue(stored.secret['envvar:USER'] ?? '');
  return JOB_ROLES.find((jobRole) => user === jobRole || (user.startsWith('_vaultkv2:') && user.endsWith(`${jobRole}_${target.cluster_id}:USER`)));
}

/**
 * Where a job keeps each job role's password: in Vault KV v2 at `<secret_id><job role>_<cluster id>`
 * when the job names a Vault path, otherwise as a connection `<job role>_<cluster id>` of the
 * cluster's resource. With `create-connections`, the connection `<prefix>ro|rw|ddl` is written in the
 * same call (the password exists only in this invocation; with Vault the connection holds
 * references, not the password). Every other connection of the resource that logs in as this job
 * role (connections of earlier jobs with other prefixes) gets the same secret in that same write, so
 * none keeps a password that no longer works.
 */
export function jobCredentialsWriter(resources: ServiceCredentialsStore, vault: VaultKv2Writer | undefined): JobRoleCredentialsWriter {
  return async (target, jobRole, { password, database }) => {
    const values: Record<string, string> = { HOST: target.host, PORT: String(target.port), USER: jobRole, PASSWORD: password, DB: database };
    const connections: Array<{ input: ConnectionInput; managedBy: string }> = [];
    let secret: Record<string, string>;
    if (target.vault_secret_id !== null) {
      if (!vault) throw new Error('no Vault is configured for this deployment');
      const path = `${target.vault_secret_id}${jobRole}_${target.cluster_id}`;
      await vault.writeKv2(path, values);
      secret = Object.fromEntries(VAULT_KEYS.map((key) => [`envvar:${key === 'PASSWORD' ? 'PASS' : key}`, `_vaultkv2:${path}:${key}`]));
    } else {
      secret = {
        'envvar:HOST': base64(values.HOST ?? ''),
        'envvar:PORT': base64(values.PORT ?? ''),
        'envvar:USER': base64(jobRole),
        'envvar:PASS': base64(password),
        'envvar:DB': base64(database),
      };
      connections.push({ input: { name: `${jobRole}_${target.cluster_id}`, type: 'database', subtype: subtypeOf(target), default_database: database, secret }, managedBy: DBROLES_MANAGER });
    }
    if (target.create_connections) connections.push({ input: jobConnection(target, jobRole, secret, database), managedBy: DBROLES_MANAGER });
    const refresh = (stored: ConnectionRecord) => (jobRoleOf(stored, target) === jobRole ? { ...stored, secret, default_database: database } : undefined);
    await resources.upsertServiceConnections(target.org_id, clusterResource(target), connections, refresh);
  };
}
