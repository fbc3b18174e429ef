import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePassword, scramSha256Verifier } from '../../functions/core/postgres/password';
import { generateRoleName } from '../../functions/core/postgres/role-name';
import {
  parseScope,
  qualified,
  quoteIdentifier,
  quoteLiteral,
} from '../../functions/core/postgres/identifiers';
import { freePort } from '../../infra/local/ports';
import { type LocalPostgres, startLocalPostgres } from '../../infra/local/postgres';

/*
 * The SQL building blocks against a real PostgreSQL of its own (not the shared test stack), so that
 * roles and schemas made here touch nothing else: SCRAM verifiers the server accepts as they are, and
 * identifiers that reach the catalog byte for byte, whatever they contain.
 */

let dir = '';
let server: LocalPostgres | undefined;
let master: pg.Client;
/** pg_authid, where verifiers are kept, is for superusers only: used to inspect, never to act. */
let inspector: pg.Client;

beforeAll(async () => {
  // A mkdtemp dir is root-only (0700), but it is the data directory itself: infra/local/postgres chowns
  // it to the `postgres` OS user, and /tmp lets that user through.
  dir = await mkdtemp(join(tmpdir(), 'scram-quoting-'));
  server = await startLocalPostgres({
    dataDir: dir,
    port: await freePort(),
    masterPassword: generatePassword(),
    superuserPassword: generatePassword(),
  });
  master = await server.connect();
  inspector = await server.connectAsSuperuser();
});

afterAll(async () => {
  await master?.end();
  await inspector?.end();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Logs in as `user`, answering the server's SCRAM-SHA-256 challenge with `password`. */
async function login(user: string, password: string): Promise<pg.Client> {
  if (!server) throw new Error('PostgreSQL is not running');
  return server.connect('postgres', { user, password });
}

async function storedVerifier(role: string): Promise<string | null> {
  const { rows } = await inspector.query<{ rolpassword: string | null }>(
    'SELECT rolpassword FROM pg_authid WHERE rolname = $1',
    [role],
  );
  return rows[0]?.rolpassword ?? null;
}

async function createLoginRole(role: string, password: string): Promise<string> {
  const verifier = scramSha256Verifier(password);
  await master.query(`CREATE ROLE ${quoteIdentifier(role)} LOGIN PASSWORD ${quoteLiteral(verifier)}`);
  return verifier;
}

describe('scramSha256Verifier on PostgreSQL', () => {
  it('equals the verifier PostgreSQL computes itself for the same salt and iterations', async () => {
    // Prepare: let the server hash a plaintext password (test only), then take its salt and iterations
    const password = generatePassword();
    await master.query(`SET password_encryption = 'scram-sha-256'`);
    await master.query(`CREATE ROLE kat_role PASSWORD ${quoteLiteral(password)}`);
    const theirs = await storedVerifier('kat_role');
    const match = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(theirs ?? '');
    expect(match).not.toBeNull();

    // Act
    const ours = scramSha256Verifier(password, {
      iterations: Number(match?.[1]),
      salt: Buffer.from(match?.[2] ?? '', 'base64'),
    });

    // Assess
    expect(ours).toBe(theirs);
  });

  it('lets a role made with our verifier log in with the plaintext, and keeps the verifier as sent', async () => {
    // Prepare
    const role = generateRoleName('orders-db', 'ro');
    const password = generatePassword();

    // Act
    const verifier = await createLoginRole(role, password);

    // Assess
    expect(await storedVerifier(role)).toBe(verifier);
    const client = await login(role, password);
    try {
      const { rows } = await client.query<{ current_user: string }>('SELECT current_user');
      expect(rows[0]?.current_user).toBe(role);
    } finally {
      await client.end();
    }
  });

  it('refuses a wrong password', async () => {
    // Prepare
    const role = generateRoleName('orders-db', 'rw');
    const password = generatePassword();
    await createLoginRole(role, password);

    // Act
    const attempt = login(role, `${password.slice(0, -1)}${password.endsWith('a') ? 'b' : 'a'}`);

    // Assess: invalid_password
    await expect(attempt).rejects.toMatchObject({ code: '28P01' });
  });

  it('makes passwords that work unescaped in a connection URL', async () => {
    // Prepare
    const role = generateRoleName('orders-db', 'url');
    const password = generatePassword();
    await createLoginRole(role, password);

    // Act: the password pasted into the URL as it is
    const client = new pg.Client({
      connectionString: `postgres://${role}:${password}@${server?.host}:${server?.port}/postgres`,
    });
    await client.connect();

    // Assess
    try {
      expect(
        (await client.query<{ current_user: string }>('SELECT current_user')).rows[0]?.current_user,
      ).toBe(role);
    } finally {
      await client.end();
    }
  });

  it('sets a new password on an existing role with ALTER ROLE, and the old one stops working', async () => {
    // Prepare
    const role = generateRoleName('orders-db', 'rotate');
    const before = generatePassword();
    await createLoginRole(role, before);
    const after = generatePassword();

    // Act
    await master.query(
      `ALTER ROLE ${quoteIdentifier(role)} WITH PASSWORD ${quoteLiteral(scramSha256Verifier(after))}`,
    );

    // Assess
    await expect(login(role, before)).rejects.toMatchObject({ code: '28P01' });
    await (await login(role, after)).end();
  });

  it('lets a role with an awkward quoted name log in', async () => {
    // Prepare
    const role = 'Ünïcode "role"; DROP ROLE postgres; --';
    const password = generatePassword();

    // Act
    const verifier = await createLoginRole(role, password);

    // Assess
    expect(await storedVerifier(role)).toBe(verifier);
    const client = await login(role, password);
    try {
      expect(
        (await client.query<{ current_user: string }>('SELECT current_user')).rows[0]?.current_user,
      ).toBe(role);
    } finally {
      await client.end();
    }
    expect(await storedVerifier('postgres')).not.toBeNull();
  });
});

describe('quoteLiteral on PostgreSQL', () => {
  it.each(['on', 'off'])('reads back quotes and backslashes as written with standard_conforming_strings %s', async (setting) => {
    // Prepare
    const value = "it's a \\ back\\'slash; --";
    await master.query(`SET standard_conforming_strings = ${setting}`);

    // Act
    const { rows } = await master.query<{ value: string }>(`SELECT ${quoteLiteral(value)} AS value`);

    // Assess
    expect(rows[0]?.value).toBe(value);
    await master.query('RESET standard_conforming_strings');
  });
});

/** Schema names PostgreSQL keeps whole, heavy on the characters that break naive quoting. */
const awkwardName = fc
  .string({
    minLength: 1,
    maxLength: 40,
    unit: fc.oneof(
      {
        weight: 3,
        arbitrary: fc.constantFrom(
          '"',
          "'",
          ';',
          ' ',
          '.',
          '-',
          '\\',
          '$',
          '--',
          '/*',
          '*/',
          'DROP ROLE postgres',
          '\n',
          'é',
          '日',
          '😀',
        ),
      },
      { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
    ),
  })
  .filter((name) => !name.includes('\0') && Buffer.byteLength(name, 'utf8') <= 63);

describe('quoteIdentifier on PostgreSQL', () => {
  it('creates schemas whose names read back from pg_namespace unchanged, and nothing else', async () => {
    // Prepare
    const { rows: before } = await master.query<{ nspname: string }>('SELECT nspname FROM pg_namespace');
    const existing = new Set(before.map((row) => row.nspname));

    await fc.assert(
      fc.asyncProperty(awkwardName, async (name) => {
        // The pg_ prefix is reserved for system schemas; an existing name would not be created.
        fc.pre(!name.startsWith('pg_') && !existing.has(name));
        // The name as a request would give it, in a scope's quoted form.
        const { schema } = parseScope(`postgres."${name.replaceAll('"', '""')}"`);

        // Act
        await master.query(`CREATE SCHEMA ${quoteIdentifier(schema, 'schema')}`);
        await master.query(`CREATE TABLE ${qualified(schema, 'T "1"; --')} (id int)`);

        // Assess
        try {
          const { rows } = await master.query<{ nspname: string; relname: string }>(
            `SELECT n.nspname, c.relname FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind = 'r' WHERE n.nspname = $1`,
            [name],
          );
          expect(rows).toEqual([{ nspname: name, relname: 'T "1"; --' }]);
        } finally {
          await master.query(`DROP SCHEMA ${quoteIdentifier(schema)} CASCADE`);
        }
      }),
      {
        numRuns: 50,
        examples: [
          ['x"; DROP ROLE postgres; --'],
          ['a.b'],
          ['"'],
          ['""'],
          ["'; SELECT 1; --"],
          ['Mixed Case'],
          ['日本語 スキーマ'],
          ['😀'.repeat(15)],
        ],
      },
    );

    // Assess: nothing but the test's schemas ever came or went, and the master role is still there
    const { rows: after } = await master.query<{ nspname: string }>('SELECT nspname FROM pg_namespace');
    expect(new Set(after.map((row) => row.nspname))).toEqual(existing);
    const { rows: roles } = await master.query('SELECT 1 FROM pg_roles WHERE rolname = $1 AND NOT rolsuper', [
      'postgres',
    ]);
    expect(roles).toHaveLength(1);
  });
});
