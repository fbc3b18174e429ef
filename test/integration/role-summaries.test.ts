import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ResourceStore } from '../../functions/adapters/dynamodb/resource-store';
import { MARSHALL_OPTIONS } from '../../functions/adapters/dynamodb/table';
import { TABLE_NAME } from '../../infra/local/stack';
import { summarizeStoredRoles } from '../../infra/scripts/role-summaries-migration';
import { apiAs, newOrg } from '../support/api';

type Api = Awaited<ReturnType<typeof apiAs>>;

describe('role summaries on the resource item', () => {
  const org = newOrg('summaries');
  let admin: Api;
  let base: DynamoDBClient;
  let table: DynamoDBDocumentClient;
  /** The DynamoDB operations the store sent, in order. */
  const sent: string[] = [];
  let store: ResourceStore;

  beforeAll(async () => {
    admin = await apiAs({ org, groups: ['admin'] });
    base = new DynamoDBClient({ endpoint: inject('stack').dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    base.middlewareStack.add((next, context) => (args) => {
      sent.push(String(context.commandName));
      return next(args);
    }, { step: 'initialize' });
    table = DynamoDBDocumentClient.from(base, { marshallOptions: MARSHALL_OPTIONS });
    store = new ResourceStore(table, TABLE_NAME);
  });
  afterAll(() => base.destroy());

  /** What a masked read of the resource shows, and the DynamoDB operations it took. */
  async function readThroughStore(name: string) {
    sent.length = 0;
    const resource = await store.getResource(org, name);
    if (!resource) throw new Error(`no resource ${name}`);
    const summaries = (await store.getConnectionSummariesOf(org, [resource])).get(resource.id) ?? [];
    return { summaries: summaries.sort((a, b) => (a.name < b.name ? -1 : 1)), operations: [...sent] };
  }

  const roleViews = async (name: string) =>
    (await table.send(new GetCommand({ TableName: TABLE_NAME, Key: { pk: `ORG#${org}`, sk: `RESOURCE#${name}` }, ConsistentRead: true }))).Item?.role_views as
      | Record<string, Record<string, unknown>>
      | undefined;

  it('answers a resource with its roles from one GetItem, and keeps the summaries with every change of a role', async () => {
    // Prepare
    const created = await admin('POST', '/resources', {
      body: { name: 'one-read', type: 'database', subtype: 'postgres', env_vars: {}, roles: [{ name: 'one-read-ro', type: 'database', secret: { 'envvar:PASS': 'c2VjcmV0' } }] },
    });
    expect(created.status).toBe(201);
    expect((await admin('POST', '/resources/one-read/roles', { body: { name: 'one-read-rw', type: 'database', tags: ['a'] } })).status).toBe(201);
    expect((await admin('PUT', '/resources/one-read/roles/one-read-ro', { body: { type: 'database', secret: { 'envvar:USER': 'dQ==' }, reviewers: ['r'] } })).status).toBe(200);
    expect((await admin('POST', '/resources/one-read/roles', { body: { name: 'one-read-gone', type: 'custom' } })).status).toBe(201);
    expect((await admin('DELETE', '/resources/one-read/roles/one-read-gone')).status).toBe(204);

    // Act
    const read = await readThroughStore('one-read');
    const answer = await admin('GET', '/resources/one-read');

    // Assess
    expect(read.operations).toEqual(['GetItemCommand']);
    expect(read.summaries.map(({ name, secret_keys, reviewers, tags }) => ({ name, secret_keys, reviewers, tags }))).toEqual([
      { name: 'one-read-ro', secret_keys: ['envvar:USER'], reviewers: ['r'], tags: [] },
      { name: 'one-read-rw', secret_keys: [], reviewers: [], tags: ['a'] },
    ]);
    const views = await roleViews('one-read');
    // The summaries name the secret's keys, never hold its values.
    expect(Object.keys(views ?? {}).sort()).toEqual(['one-read-ro', 'one-read-rw']);
    expect(views?.['one-read-ro']).not.toHaveProperty('secret');
    expect(JSON.stringify(views)).not.toContain('dQ==');
    expect((answer.body as { roles: Array<{ name: string; secret: object }> }).roles.map(({ name, secret }) => ({ name, secret }))).toEqual([
      { name: 'one-read-ro', secret: { 'envvar:USER': '*****' } },
      { name: 'one-read-rw', secret: {} },
    ]);
  });

  it('reads a resource stored without summaries from its role items, and the migration gives it them once', async () => {
    // Prepare: a resource as stored before summaries existed, with a role added since
    const roles = [
      { name: 'legacy-ro', type: 'database', secret: { 'envvar:PASS': 'cGFzcw==' } },
      { name: 'legacy-rw', type: 'database', command: ['psql'] },
    ];
    expect((await admin('POST', '/resources', { body: { name: 'legacy', type: 'database', env_vars: { HOST: 'h' }, roles } })).status).toBe(201);
    expect((await admin('POST', '/resources', { body: { name: 'legacy-empty', type: 'database', env_vars: {} } })).status).toBe(201);
    const before = await admin('GET', '/resources/legacy');
    await table.send(new UpdateCommand({ TableName: TABLE_NAME, Key: { pk: `ORG#${org}`, sk: 'RESOURCE#legacy' }, UpdateExpression: 'REMOVE role_views' }));
    const withoutSummaries = await readThroughStore('legacy');
    expect(withoutSummaries.operations).toEqual(['GetItemCommand', 'BatchGetItemCommand']);
    expect((await admin('GET', '/resources/legacy')).body).toEqual(before.body);
    expect((await admin('POST', '/resources/legacy/roles', { body: { name: 'legacy-late', type: 'custom' } })).status).toBe(201);
    expect(await roleViews('legacy')).toBeUndefined();
    const expected = (await admin('GET', '/resources/legacy')).body as { roles: Array<{ name: string }> };
    expect(expected.roles.map((role) => role.name)).toEqual(['legacy-late', 'legacy-ro', 'legacy-rw']);

    // Act
    const first = await summarizeStoredRoles({ client: table, tableName: TABLE_NAME, orgId: org });
    const second = await summarizeStoredRoles({ client: table, tableName: TABLE_NAME, orgId: org });

    // Assess
    expect(first).toMatchObject({ summarized: 1, too_large: 0, changed_concurrently: 0 });
    expect(second).toMatchObject({ summarized: 0, already_summarized: second.scanned, too_large: 0, changed_concurrently: 0 });
    const migrated = await readThroughStore('legacy');
    expect(migrated.operations).toEqual(['GetItemCommand']);
    expect(migrated.summaries.map((summary) => summary.name)).toEqual(['legacy-late', 'legacy-ro', 'legacy-rw']);
    expect((await admin('GET', '/resources/legacy')).body).toEqual(expected);
    expect(JSON.stringify(await roleViews('legacy'))).not.toContain('cGFzcw==');
  });

  it('answers a page of resources with their roles from the Query alone', async () => {
    // Prepare
    for (const name of ['page-a', 'page-b']) {
      expect((await admin('POST', '/resources', { body: { name, type: 'database', env_vars: {}, roles: [{ name: `${name}-ro`, type: 'database' }] } })).status).toBe(201);
    }
    sent.length = 0;

    // Act
    const page = await store.listResources(org, { pageSize: 10, search: 'page-' });
    const summaries = await store.getConnectionSummariesOf(org, page.resources);

    // Assess
    expect(sent).toEqual(['QueryCommand']);
    expect(page.resources.map((resource) => summaries.get(resource.id)?.map((summary) => summary.name))).toEqual([['page-a-ro'], ['page-b-ro']]);
  });

  it('leaves the summaries out of a resource they would take over 400 KB, and reads its roles instead', async () => {
    // Prepare: two roles whose settings fit their own items but not, together, the resource's
    const command = (letter: string) => Array.from({ length: 60 }, (_, index) => `${letter}${index}-`.padEnd(4096, letter));
    expect((await admin('POST', '/resources', { body: { name: 'fat-views', type: 'database', env_vars: {}, roles: [{ name: 'fat-a', type: 'database', command: command('a') }] } })).status).toBe(201);
    expect(await roleViews('fat-views')).toBeDefined();

    // Act
    const added = await admin('POST', '/resources/fat-views/roles', { body: { name: 'fat-b', type: 'database', command: command('b') } });

    // Assess
    expect(added.status).toBe(201);
    expect(await roleViews('fat-views')).toBeUndefined();
    const read = await readThroughStore('fat-views');
    expect(read.operations).toEqual(['GetItemCommand', 'BatchGetItemCommand']);
    const answer = (await admin('GET', '/resources/fat-views')).body as { roles: Array<{ name: string; command: string[] }> };
    expect(answer.roles.map((role) => [role.name, role.command.length])).toEqual([
      ['fat-a', 60],
      ['fat-b', 60],
    ]);
  });
});
