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
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { kmsKeyring, localAesKeyring, readLocalKey } from '../../functions/adapters/crypto/keyrings';
import { EnvelopeSecretSealer } from '../../functions/adapters/crypto/sealer';
import { MARSHALL_OPTIONS } from '../../functions/adapters/dynamodb/table';
import { LOCAL_AWS_ENV } from '../local/dynamodb';
import { SECRETS_KEY_FILE, type StackInfo, TABLE_NAME } from '../local/stack';
import { encryptStoredSecrets } from './secrets-migration';

const { values } = parseArgs({
  options: {
    table: { type: 'string' },
    'kms-key-arn': { type: 'string' },
    region: { type: 'string' },
    org: { type: 'string' },
  },
});

function target(): { client: DynamoDBClient; tableName: string; sealer: EnvelopeSecretSealer } {
  const keyArn = values['kms-key-arn'];
  if (keyArn) {
    if (!values.table) throw new Error('--table is required with --kms-key-arn');
    const region = values.region ?? keyArn.split(':')[3];
    return { client: new DynamoDBClient({ region }), tableName: values.table, sealer: new EnvelopeSecretSealer(kmsKeyring(keyArn, new KMSClient({ region }))) };
  }
  const dir = process.env.LOCAL_STACK_DIR ?? '.local';
  let info: StackInfo;
  try {
    info = JSON.parse(readFileSync(join(dir, 'stack.json'), 'utf8')) as StackInfo;
  } catch {
    throw new Error(`no ${dir}/stack.json: start the local stack with \`npm start\`, or give --table and --kms-key-arn for AWS`);
  }
  return {
    client: new DynamoDBClient({ region: LOCAL_AWS_ENV.AWS_REGION, endpoint: `http://127.0.0.1:${info.ports.dynamodb}`, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    tableName: values.table ?? TABLE_NAME,
    sealer: new EnvelopeSecretSealer(localAesKeyring(readLocalKey(join(dir, SECRETS_KEY_FILE)))),
  };
}

const { client, tableName, sealer } = target();
const counts = await encryptStoredSecrets({ client: DynamoDBDocumentClient.from(client, { marshallOptions: MARSHALL_OPTIONS }), tableName, sealer, orgId: values.org });
process.stdout.write(`${JSON.stringify({ table: tableName, ...counts })}\n`);
client.destroy();
