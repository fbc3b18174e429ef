/**
 * `npm run migrate:role-summaries`: gives resources written before role summaries existed the
 * summaries of their roles, so that reading a resource takes one read (see role-summaries-migration.ts).
 * Safe next to live traffic, and again; until it has run, such resources read their roles as before.
 *
 * - Locally (default): the table of the running local stack (`.local/stack.json`, or LOCAL_STACK_DIR).
 * - In AWS: `npm run migrate:role-summaries -- --table <name> --region <r>` with credentials allowed
 *   to Scan, BatchGetItem and UpdateItem the table (the stack's output TableName).
 * `--org <id>` narrows it to one org.
 */
import { parseArgs } from 'node:util';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { MARSHALL_OPTIONS } from '../../functions/adapters/dynamodb/table';
import { summarizeStoredRoles } from './role-summaries-migration';
import { scriptTarget } from './target';

const { values } = parseArgs({ options: { table: { type: 'string' }, region: { type: 'string' }, org: { type: 'string' } } });

const { client, tableName } = scriptTarget({ table: values.table, aws: values.region ? { region: values.region } : undefined });
const counts = await summarizeStoredRoles({ client: DynamoDBDocumentClient.from(client, { marshallOptions: MARSHALL_OPTIONS }), tableName, orgId: values.org });
process.stdout.write(`${JSON.stringify({ table: tableName, ...counts })}\n`);
client.destroy();
