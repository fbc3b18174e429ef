import type { ResourceService } from '../resources/use-cases';
import type { CredentialsWriter } from './ports';

export const PROVISIONING_MANAGER = 'provisioning';

const base64 = (value: string) => Buffer.from(value, 'utf8').toString('base64');

/**
 * The credentials of a role the apply made become a role of the resource, named after the PostgreSQL
 * role, replacing an older one: the one place its password is kept (revealed only by the audited
 * credentials endpoint).
 */
export function storeProvisionedCredentials(resources: Pick<ResourceService, 'upsertServiceConnections'>): CredentialsWriter {
  return async (orgId, resource, { roleName, password, database, target }) => {
    await resources.upsertServiceConnections(orgId, resource, [
      {
        managedBy: PROVISIONING_MANAGER,
        input: {
          name: roleName,
          type: 'database',
          subtype: 'postgres',
          default_database: database,
          secret: {
            'envvar:USER': base64(roleName),
            'envvar:PASS': base64(password),
            'envvar:DB': base64(database),
            'envvar:RDS_CLUSTER_ARN': base64(target.clusterArn),
            'envvar:RDS_SECRET_ARN': base64(target.secretArn),
          },
        },
      },
    ]);
  };
}
