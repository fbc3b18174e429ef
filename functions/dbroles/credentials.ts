import type { RoleInput } from '../schemas/resources';
import type { ResourceService } from '../resources/service';
import { type JobRole, type JobTarget, roleSuffix, VAULT_KEYS } from './model';
import type { RoleCredentialsWriter } from './provision-role';
import type { VaultWriter } from './vault';

export const DBROLES_MANAGER = 'dbroles';

const base64 = (value: string) => Buffer.from(value, 'utf8').toString('base64');

/** The resource that holds a cluster's credentials and connections: named after the cluster id. */
function clusterResource(target: JobTarget) {
  return {
    name: target.cluster_id,
    type: 'database',
    subtype: 'postgres',
    env_vars: { HOST: target.host, PORT: String(target.port), RDS_CLUSTER_ARN: target.cluster_arn, RDS_SECRET_ARN: target.secret_arn },
  };
}

const connectionRole = (target: JobTarget, role: JobRole, secret: Record<string, string>, database: string): RoleInput => ({
  name: `${target.connection_prefix_name}${roleSuffix(role)}`,
  type: 'database',
  subtype: 'postgres',
  default_database: database,
  secret,
  connection_tags: { 'hoop.dev/aws-connect.dbarn': target.cluster_arn },
});

/**
 * Where a job keeps each role's password: in Vault KV v2 at `<secret_id><role>_<cluster id>` when the
 * job names a Vault path, otherwise as a role `<role>_<cluster id>` of the cluster's resource. With
 * `create-connections`, the connection `<prefix>ro|rw|ddl` is written in the same call (the password
 * exists only in this invocation; with Vault the connection holds references, not the password).
 */
export function jobCredentialsWriter(resources: Pick<ResourceService, 'upsertServiceRoles'>, vault: VaultWriter | undefined): RoleCredentialsWriter {
  return async (target, role, { password, database }) => {
    const values: Record<string, string> = { HOST: target.host, PORT: String(target.port), USER: role, PASSWORD: password, DB: database };
    const roles: Array<{ input: RoleInput; managedBy: string }> = [];
    if (target.vault_secret_id !== null) {
      if (!vault) throw new Error('no Vault is configured for this deployment');
      const path = `${target.vault_secret_id}${role}_${target.cluster_id}`;
      await vault.writeKv2(path, values);
      if (target.create_connections) {
        const references = Object.fromEntries(
          VAULT_KEYS.map((key) => [`envvar:${key === 'PASSWORD' ? 'PASS' : key}`, `_vaultkv2:${path}:${key}`]),
        );
        roles.push({ input: connectionRole(target, role, references, database), managedBy: DBROLES_MANAGER });
      }
    } else {
      const secret = {
        'envvar:HOST': base64(values.HOST ?? ''),
        'envvar:PORT': base64(values.PORT ?? ''),
        'envvar:USER': base64(role),
        'envvar:PASS': base64(password),
        'envvar:DB': base64(database),
      };
      roles.push({ input: { name: `${role}_${target.cluster_id}`, type: 'database', subtype: 'postgres', default_database: database, secret }, managedBy: DBROLES_MANAGER });
      if (target.create_connections) roles.push({ input: connectionRole(target, role, secret, database), managedBy: DBROLES_MANAGER });
    }
    if (roles.length > 0) await resources.upsertServiceRoles(target.org_id, clusterResource(target), roles);
  };
}
