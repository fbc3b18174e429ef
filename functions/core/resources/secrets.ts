import { SecretUnreadableError } from '../errors';
import { openValues, type SecretContext, type SecretSealer, sealValues } from '../secrets';
import { type ConnectionRecord, isCredentialEnvVar, type ResourceRecord } from './model';

/**
 * Which secrets of the resources feature are sealed, and what each is bound to: a resource's env
 * vars that are credentials (the rule that masks them) to the org, the resource id and the key; every
 * value of a connection's secret to the org, the resource id, the connection and the key.
 */
export const envVarContext =
  (orgId: string, resource: Pick<ResourceRecord, 'id'>) =>
  (key: string): SecretContext => ({ org: orgId, resource: resource.id, field: `env_vars.${key}` });

export const secretContext =
  (orgId: string, connection: Pick<ConnectionRecord, 'resource_id' | 'name'>) =>
  (key: string): SecretContext => ({ org: orgId, resource: connection.resource_id, role: connection.name, field: `secret.${key}` });

/** The resource as it is stored: its credential env vars sealed (`only` narrows which, e.g. to those not sealed yet). */
export async function sealResourceSecrets(
  sealer: SecretSealer,
  orgId: string,
  resource: ResourceRecord,
  only: (value: string) => boolean = () => true,
): Promise<ResourceRecord> {
  const which = (key: string, value: string) => isCredentialEnvVar(key, value) && only(value);
  return { ...resource, env_vars: await sealValues(sealer, resource.env_vars, envVarContext(orgId, resource), which) };
}

/** The connection as it is stored: its secret values sealed (`only` narrows which). */
export async function sealConnectionSecret(
  sealer: SecretSealer,
  orgId: string,
  connection: ConnectionRecord,
  only: (value: string) => boolean = () => true,
): Promise<ConnectionRecord> {
  return { ...connection, secret: await sealValues(sealer, connection.secret, secretContext(orgId, connection), (_key, value) => only(value)) };
}

/** The connection's secret values in clear; one that does not open fails naming the connection, never the value. */
export async function openConnectionSecret(sealer: SecretSealer, orgId: string, resourceName: string, connection: ConnectionRecord): Promise<Record<string, string>> {
  try {
    return await openValues(sealer, connection.secret, secretContext(orgId, connection));
  } catch (cause) {
    const error = new SecretUnreadableError(`the stored secret of role ${JSON.stringify(connection.name)} of resource ${JSON.stringify(resourceName)} cannot be decrypted`);
    error.cause = cause;
    throw error;
  }
}
