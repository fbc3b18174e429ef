import { config } from '../../adapters/config';
import { secretSealer } from '../../adapters/crypto/secret-sealer';
import { dynamodbDocumentClient } from '../../adapters/dynamodb/client';
import { ResourceStore } from '../../adapters/dynamodb/resource-store';
import { SessionStore } from '../../adapters/dynamodb/session-store';
import type { ServiceCredentialsStore } from '../../core/dbroles/ports';
import { ResourceService } from '../../core/resources/use-cases';

/** Where a job stores the credentials of its roles: connections of the cluster's resource, their secrets sealed. */
export function credentialsStore(): ServiceCredentialsStore {
  return new ResourceService(new ResourceStore(dynamodbDocumentClient(), config.tableName), new SessionStore(dynamodbDocumentClient(), config.tableName), secretSealer(config));
}
