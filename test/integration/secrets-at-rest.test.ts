import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { localAesKeyring, readLocalKey } from '../../functions/adapters/crypto/keyrings';
import { EnvelopeSecretSealer } from '../../functions/adapters/crypto/sealer';
import { SECRETS_KEY_FILE, TABLE_NAME } from '../../infra/local/stack';
import { encryptStoredSecrets } from '../../infra/scripts/secrets-migration';
import type { PlanResult } from '../../functions/http/schemas/provisioning';
import { apiAs, newOrg } from '../support/api';
import { type LocalCluster, newLocalCluster } from '../support/clusters';
import { createDatabase, loginAs, newDatabaseName, newMasterSecret, tryQuery } from '../support/postgres';
import { type Api, revealSecret, startJob, waitForJob } from '../workflow/jobs';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const forms = (secret: string) => [secret, b64(secret), Buffer.from(secret, 'utf8').toString('base64url'), Buffer.from(secret, 'utf8').toString('hex')];

let documentClient: DynamoDBDocumentClient;
const table = () => {
  documentClient ??= DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: inject('stack').dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  );
  return documentClient;
};

/** Every item of the table, every org's: what anyone who can read the table (a backup, an export) reads. */
async function wholeTable(): Promise<string> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await table().send(new ScanCommand({ TableName: TABLE_NAME, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return JSON.stringify(items);
}

const itemOf = async (org: string, sk: string) =>
  (await table().send(new GetCommand({ TableName: TABLE_NAME, Key: { pk: `ORG#${org}`, sk }, ConsistentRead: true }))).Item as Record<string, unknown> & {
    env_vars: Record<string, string>;
    secret: Record<string, string>;
  };

describe('secrets at rest', () => {
  const org = newOrg('secrets');
  let admin: Api;
  let cluster: LocalCluster;
  const db = newDatabaseName('secrets');
  /** Every secret this file gave or was given, in clear. */
  const secrets: string[] = [];
  const secret = (label: string) => {
    const value = `${label}-${crypto.randomUUID()}`;
    secrets.push(value);
    return value;
  };

  beforeAll(async () => {
    admin = await apiAs({ org, groups: ['admin'], sub: 'alice' });
    cluster = await newLocalCluster('secrets');
    await createDatabase(db, 'CREATE TABLE public.items (id int); INSERT INTO public.items VALUES (1);');
    await createDatabase(db, 'CREATE SCHEMA app; CREATE TABLE app.items (id int);', cluster);
  });

  afterAll(() => documentClient?.destroy());

  it('stores no secret in any readable form, and reveals each intact', async () => {
    // Prepare: secrets given by an admin (env vars, roles' secrets), made by an apply and by a job
    const envPassword = secret('env-password');
    const apiToken = secret('api-token');
    const rolePassword = secret('role-password');
    const replacedPassword = secret('replaced-password');
    const created = await admin('POST', '/resources', {
      body: {
        name: 'vault-of-things',
        type: 'database',
        subtype: 'postgres',
        env_vars: { HOST: 'db.internal', DB_PASSWORD: envPassword, apiToken, RDS_CLUSTER_ARN: inject('stack').cluster_arn, RDS_SECRET_ARN: await newMasterSecret('secrets') },
        roles: [{ name: 'app', type: 'database', secret: { 'envvar:USER': b64('app'), 'envvar:PASS': b64(rolePassword) } }],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const added = await admin('POST', '/resources/vault-of-things/roles', { body: { name: 'other', type: 'custom', secret: { 'envvar:TOKEN': b64(secret('other-token')) } } });
    expect(added.status).toBe(201);
    const replaced = await admin('PUT', '/resources/vault-of-things/roles/other', { body: { type: 'custom', secret: { 'envvar:TOKEN': b64(replacedPassword) } } });
    expect(replaced.status).toBe(200);

    // Act: a plan/apply and a DB role job make passwords
    const planned = (await admin('POST', '/resources/vault-of-things/plan', { body: { role: 'ro', privileges: ['select'], scopes: [`${db}.public`] } })).body as PlanResult;
    expect((await admin('POST', '/resources/vault-of-things/apply', { body: { sid: planned.sid } })).status).toBe(200);
    const job = await waitForJob(admin, await startJob(admin, { aws: { instance_arn: cluster.cluster_arn }, connection_prefix_name: 'sec-', job_steps: ['create-connections'] }));
    expect(job.status.phase, job.status.message).toBe('completed');

    // Assess: reveal gives every secret back as it was given, and the made passwords log in
    expect(await revealSecret(admin, 'vault-of-things', 'app')).toEqual({ 'envvar:USER': 'app', 'envvar:PASS': rolePassword });
    expect(await revealSecret(admin, 'vault-of-things', 'other')).toEqual({ 'envvar:TOKEN': replacedPassword });
    const applied = await revealSecret(admin, 'vault-of-things', planned.role ?? '');
    secrets.push(applied['envvar:PASS'] ?? '');
    const applySession = await loginAs(planned.role ?? '', applied['envvar:PASS'] ?? '', db);
    expect(await tryQuery(applySession, 'SELECT id FROM public.items')).toEqual({ ok: true, rows: [{ id: 1 }] });
    await applySession.end();
    const jobRole = await revealSecret(admin, cluster.cluster_id, `hoop_ro_${cluster.cluster_id}`);
    const connection = await revealSecret(admin, cluster.cluster_id, 'sec-ro');
    expect(connection['envvar:PASS']).toBe(jobRole['envvar:PASS']);
    secrets.push(jobRole['envvar:PASS'] ?? '');
    const jobSession = await loginAs('hoop_ro', jobRole['envvar:PASS'] ?? '', db, cluster);
    expect(await tryQuery(jobSession, 'SELECT count(*)::int AS n FROM app.items')).toEqual({ ok: true, rows: [{ n: 0 }] });
    await jobSession.end();
    // The env vars stay masked, as before
    const shown = (await admin('GET', '/resources/vault-of-things')).body as { env_vars: Record<string, string> };
    expect(shown.env_vars).toMatchObject({ HOST: 'db.internal', DB_PASSWORD: '*****', apiToken: '*****' });

    // Assess: the whole table holds none of them, in clear, base64 or hex
    const dump = await wholeTable();
    expect(secrets.filter(Boolean)).toHaveLength(7);
    for (const value of secrets.filter(Boolean)) {
      for (const form of forms(value)) expect(dump, value).not.toContain(form);
    }
    const stored = await itemOf(org, 'RESOURCE#vault-of-things');
    expect(stored.env_vars.HOST).toBe('db.internal');
    expect(stored.env_vars.DB_PASSWORD).toMatch(/^enc:v1:[A-Za-z0-9+/]+=*$/);
  });

  it('refuses a sealed value moved to another role, with a clear 5xx that shows no ciphertext', async () => {
    // Prepare
    const moved = secret('moved');
    const created = await admin('POST', '/resources', {
      body: {
        name: 'swap',
        type: 'custom',
        env_vars: {},
        roles: [
          { name: 'victim', type: 'custom', secret: { 'envvar:PASS': b64(moved) } },
          { name: 'thief', type: 'custom', secret: { 'envvar:PASS': b64(secret('thief')) } },
        ],
      },
    });
    expect(created.status).toBe(201);
    const sealed = (await itemOf(org, 'ROLE#victim')).secret['envvar:PASS'] ?? '';

    // Act: someone with write access to the table copies the victim's value into their own role
    await table().send(
      new UpdateCommand({ TableName: TABLE_NAME, Key: { pk: `ORG#${org}`, sk: 'ROLE#thief' }, UpdateExpression: 'SET secret.#pass = :sealed', ExpressionAttributeNames: { '#pass': 'envvar:PASS' }, ExpressionAttributeValues: { ':sealed': sealed } }),
    );
    const answer = await admin('GET', '/resources/swap/roles/thief/credentials');

    // Assess
    expect(answer.status).toBe(500);
    expect(answer.body).toEqual({ message: 'the stored secret of role "thief" of resource "swap" cannot be decrypted' });
    const text = JSON.stringify(answer.body);
    expect(text).not.toContain('enc:v1');
    expect(text).not.toContain(moved);
    expect(await revealSecret(admin, 'swap', 'victim')).toEqual({ 'envvar:PASS': moved });
    // Nothing was revealed, so no reveal of it is recorded
    const sessions = await admin('GET', '/sessions?page_size=100');
    expect(sessions.status).toBe(200);
    expect(JSON.stringify(sessions.body)).toContain('"victim"');
    expect(JSON.stringify(sessions.body)).not.toContain('"thief"');
  });

  it('migrates items stored in clear once, and a second run finds nothing to do', async () => {
    // Prepare: items as the service wrote them before encryption (values in clear)
    const migrating = newOrg('migrate');
    const owner = await apiAs({ org: migrating, groups: ['admin'] });
    const [envPassword, rolePassword] = [secret('old-env'), secret('old-role')];
    await owner('POST', '/resources', { body: { name: 'legacy', type: 'custom', env_vars: { HOST: 'h', DB_PASSWORD: 'x' }, roles: [{ name: 'legacy-ro', type: 'custom', secret: { 'envvar:PASS': 'x', 'envvar:USER': b64('u') } }] } });
    await table().send(new UpdateCommand({ TableName: TABLE_NAME, Key: { pk: `ORG#${migrating}`, sk: 'RESOURCE#legacy' }, UpdateExpression: 'SET env_vars.DB_PASSWORD = :clear', ExpressionAttributeValues: { ':clear': envPassword } }));
    await table().send(
      new UpdateCommand({ TableName: TABLE_NAME, Key: { pk: `ORG#${migrating}`, sk: 'ROLE#legacy-ro' }, UpdateExpression: 'SET secret = :clear', ExpressionAttributeValues: { ':clear': { 'envvar:PASS': b64(rolePassword), 'envvar:USER': b64('u') } } }),
    );
    // Items in clear keep working
    expect(await revealSecret(owner, 'legacy', 'legacy-ro')).toEqual({ 'envvar:PASS': rolePassword, 'envvar:USER': 'u' });
    const sealer = new EnvelopeSecretSealer(localAesKeyring(readLocalKey(join(inject('stack').dir, SECRETS_KEY_FILE))));
    const migrate = () => encryptStoredSecrets({ client: table(), tableName: TABLE_NAME, sealer, orgId: migrating });

    // Act
    const first = await migrate();
    const second = await migrate();

    // Assess
    expect(first).toEqual({ scanned: 2, encrypted: 3, already_encrypted: 0, changed_concurrently: 0 });
    expect(second).toEqual({ scanned: 2, encrypted: 0, already_encrypted: 3, changed_concurrently: 0 });
    const items = JSON.stringify([await itemOf(migrating, 'RESOURCE#legacy'), await itemOf(migrating, 'ROLE#legacy-ro')]);
    for (const value of [envPassword, rolePassword]) for (const form of forms(value)) expect(items).not.toContain(form);
    expect(await revealSecret(owner, 'legacy', 'legacy-ro')).toEqual({ 'envvar:PASS': rolePassword, 'envvar:USER': 'u' });
    expect(((await owner('GET', '/resources/legacy')).body as { env_vars: Record<string, string> }).env_vars).toEqual({ HOST: 'h', DB_PASSWORD: '*****' });
  });
});
