import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOCAL_AWS_ENV } from '../local/dynamodb';
import { type StackInfo, TABLE_NAME } from '../local/stack';

/** The table a one-off script works on: in AWS when `--table` comes with `aws`, else the running local stack's. */
export interface ScriptTarget {
  client: DynamoDBClient;
  tableName: string;
  /** The local stack's directory; undefined in AWS. */
  localDir: string | undefined;
}

/**
 * Locally (default): the table of the running local stack (`.local/stack.json`, or LOCAL_STACK_DIR).
 * In AWS: `aws` gives the region, and `table` is required.
 */
export function scriptTarget(options: { table?: string | undefined; aws?: { region: string | undefined } | undefined }): ScriptTarget {
  if (options.aws) {
    if (!options.table) throw new Error('--table is required in AWS');
    return { client: new DynamoDBClient({ region: options.aws.region }), tableName: options.table, localDir: undefined };
  }
  const dir = process.env.LOCAL_STACK_DIR ?? '.local';
  let info: StackInfo;
  try {
    info = JSON.parse(readFileSync(join(dir, 'stack.json'), 'utf8')) as StackInfo;
  } catch {
    throw new Error(`no ${dir}/stack.json: start the local stack with \`npm start\`, or give --table (and --region) for AWS`);
  }
  return {
    client: new DynamoDBClient({ region: LOCAL_AWS_ENV.AWS_REGION, endpoint: `http://127.0.0.1:${info.ports.dynamodb}`, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    tableName: options.table ?? TABLE_NAME,
    localDir: dir,
  };
}
