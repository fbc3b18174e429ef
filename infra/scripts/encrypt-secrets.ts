/**
 * `npm run migrate:encrypt-secrets`: encrypts, in place, the secrets that items written before
 * encryption hold in clear (see secrets-migration.ts). Safe to run next to live traffic, and again.
 *
 * - Locally (default): the table of the running local stack (`.local/stack.json`, or LOCAL_STACK_DIR)
 *   under its local key (`.local/secrets-key`).
 * - In AWS: `npm run migrate:encrypt-secrets -- --table <name> --kms-key-arn <arn> [--region <r>]`
 *   with credentials allowed to Scan/UpdateItem the table and kms:GenerateDataKey on the key
 *   (the stack's outputs TableName and SecretsKeyArn).
 * `--org <id>` narrows it to one org.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { kmsKeyring, localAesKeyring, readLocalKey } from '../../functions/adapters/crypto/keyrings';
import { EnvelopeSecretSealer } from '../../functions/adapters/crypto/sealer';
import { MARSHALL_OPTIONS } from '../../functions/adapters/dynamodb/table';
import { SECRETS_KEY_FILE } from '../local/stack';
import { encryptStoredSecrets } from './secrets-migration';
import { scriptTarget } from './target';

const { values } = parseArgs({
  options: {
    table: { type: 'string' },
    'kms-key-arn': { type: 'string' },
    region: { type: 'string' },
    org: { type: 'string' },
  },
});

function target() {
  const keyArn = values['kms-key-arn'];
  if (keyArn) {
    const region = values.region ?? keyArn.split(':')[3];
    const { client, tableName } = scriptTarget({ table: values.table, aws: { region } });
    return { client, tableName, sealer: new EnvelopeSecretSealer(kmsKeyring(keyArn, new KMSClient({ region }))) };
  }
  const { client, tableName, localDir } = scriptTarget({ table: values.table });
  return { client, tableName, sealer: new EnvelopeSecretSealer(localAesKeyring(readLocalKey(join(localDir ?? '.local', SECRETS_KEY_FILE)))) };
}

const { client, tableName, sealer } = target();
const counts = await encryptStoredSecrets({ client: DynamoDBDocumentClient.from(client, { marshallOptions: MARSHALL_OPTIONS }), tableName, sealer, orgId: values.org });
process.stdout.write(`${JSON.stringify({ table: tableName, ...counts })}\n`);
client.destroy();
