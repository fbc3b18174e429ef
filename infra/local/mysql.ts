import { type ChildProcess, execFileSync } from 'node:child_process';
import { accessSync, chmodSync, chownSync, constants, existsSync, mkdirSync, rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import mysql from 'mysql2/promise';
import { runToEnd, startServerProcess } from './server-process';

/**
 * A local "Aurora MySQL cluster": Debian's MariaDB server (`apt-get install mariadb-server`), which
 * speaks the MySQL protocol and accepts the SQL the MySQL engine sends (see the README's list of
 * differences from MySQL 8.0 / Aurora MySQL 3).
 */
export interface LocalMysql {
  host: string;
  port: number;
  /** Aurora MySQL's master user, `admin`: most privileges `WITH GRANT OPTION`, but not SUPER. */
  masterUser: string;
  masterPassword: string;
  /** `mysql://admin:…@127.0.0.1:port/`: the master's connection string. */
  url(): string;
  /** A connection as the master (or the given login), to a schema or none; the caller ends it. */
  connect(login?: { user: string; password: string }, schema?: string): Promise<mysql.Connection>;
  stop(): Promise<void>;
}

export interface LocalMysqlOptions {
  /** Data directory; kept across restarts. Created (owned by the `mysql` OS user when run as root) when missing. */
  dataDir: string;
  port: number;
  masterPassword: string;
  /** The password of `root`@`localhost`, which AWS would keep to itself; used here only to set the server up. */
  superuserPassword: string;
}

export const MYSQL_MASTER_USER = 'admin';

/** What to say when no MySQL-compatible server is installed: `npm start` runs without one. */
export const MYSQL_MISSING_MESSAGE = 'MySQL: no local Aurora MySQL cluster, MariaDB is not installed (install it with: apt-get install mariadb-server)';

interface MysqlBinaries {
  server: string;
  installDb: string;
}

/** MariaDB's server and installer on PATH or in /usr/sbin (Debian's place, not on every user's PATH); undefined when not installed. */
export function mysqlBinaries(): MysqlBinaries | undefined {
  const directories = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'].filter(Boolean);
  const find = (name: string) =>
    directories
      .map((directory) => join(directory, name))
      .find((path) => {
        try {
          accessSync(path, constants.X_OK);
          return true;
        } catch {
          return false;
        }
      });
  const server = find('mariadbd');
  const installDb = find('mariadb-install-db');
  return server && installDb ? { server, installDb } : undefined;
}

/** Root may not run the server: it runs as the `mysql` OS user (the package's), created when missing. */
function serverUser(): { uid: number; gid: number; name: string } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const ids = () => ({
    uid: Number(execFileSync('id', ['-u', 'mysql'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'mysql'], { encoding: 'utf8' }).trim()),
    name: 'mysql',
  });
  try {
    return ids();
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'mysql'], { stdio: 'ignore' });
    return ids();
  }
}

/**
 * Settings given on the command line only (`--no-defaults`: nothing from /etc/mysql): utf8mb4 as on
 * Aurora MySQL 3, a small buffer pool, no binary log, TCP on 127.0.0.1 and a socket in the data
 * directory that only the setup uses.
 */
function serverFlags(options: LocalMysqlOptions): string[] {
  return [
    '--no-defaults',
    `--datadir=${options.dataDir}`,
    `--socket=${socketPath(options)}`,
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_unicode_ci',
    '--innodb-buffer-pool-size=32M',
    '--innodb-log-file-size=16M',
    '--skip-log-bin',
  ];
}

const socketPath = (options: LocalMysqlOptions) => join(options.dataDir, 'mysqld.sock');

/** `mariadb-install-db`: the system tables, with `root`@`localhost` given a password later (no socket-only login). */
async function initialise(bin: MysqlBinaries, options: LocalMysqlOptions, user: { uid: number; gid: number; name: string } | undefined) {
  mkdirSync(options.dataDir, { recursive: true });
  chmodSync(options.dataDir, 0o700);
  if (user) chownSync(options.dataDir, user.uid, user.gid);
  try {
    await runToEnd(bin.installDb, [...serverFlags(options), `--user=${user?.name ?? userInfo().username}`, '--auth-root-authentication-method=normal', '--skip-test-db']);
  } catch (error) {
    // A half-made data directory would be taken for a made one at the next start.
    rmSync(options.dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** Starts the server and resolves once it accepts connections; rejects with its own words if it exits. */
function startServer(bin: MysqlBinaries, options: LocalMysqlOptions, user: { name: string } | undefined): Promise<ChildProcess> {
  const flags = [...serverFlags(options), `--port=${options.port}`, '--bind-address=127.0.0.1', '--max-connections=200', ...(user ? [`--user=${user.name}`] : [])];
  return startServerProcess('MariaDB', bin.server, flags, 'ready for connections');
}

/**
 * A real MariaDB server posing as an Aurora MySQL cluster. Running as root, the server runs as the
 * `mysql` OS user, which owns the data directory. As for PostgreSQL, no exit hook changes the exit
 * code: stop() ends the server, and an `exit` listener sends it SIGTERM (a clean shutdown) if this
 * process ends first.
 */
export async function startLocalMysql(options: LocalMysqlOptions): Promise<LocalMysql> {
  const bin = mysqlBinaries();
  if (!bin) throw new Error(MYSQL_MISSING_MESSAGE);
  const user = serverUser();
  const fresh = !existsSync(join(options.dataDir, 'mysql'));
  if (fresh) await initialise(bin, options, user);
  const server = await startServer(bin, options, user);
  const killOnExit = () => server.kill('SIGTERM');
  process.on('exit', killOnExit);
  const stop = async () => {
    process.off('exit', killOnExit);
    if (server.exitCode !== null || server.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
    server.kill('SIGTERM');
    await exited;
  };

  const host = '127.0.0.1';
  const connect = (login = { user: MYSQL_MASTER_USER, password: options.masterPassword }, schema?: string) =>
    mysql.createConnection({ host, port: options.port, user: login.user, password: login.password, database: schema, charset: 'utf8mb4_unicode_ci' });
  try {
    await applyAuroraMysqlPrivilegeModel(options, fresh);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    host,
    port: options.port,
    masterUser: MYSQL_MASTER_USER,
    masterPassword: options.masterPassword,
    url: () => `mysql://${MYSQL_MASTER_USER}:${encodeURIComponent(options.masterPassword)}@${host}:${options.port}/`,
    connect,
    stop,
  };
}

/**
 * What Aurora MySQL's master user holds ("Master user account privileges"): the data and DDL
 * privileges, CREATE USER, RELOAD, PROCESS, SHOW DATABASES and the replication ones, all `ON *.*`
 * `WITH GRANT OPTION`, but not SUPER (nor FILE, SHUTDOWN). The privileges a job grants are among them.
 */
const MASTER_PRIVILEGES = [
  'SELECT', 'INSERT', 'UPDATE', 'DELETE', 'CREATE', 'DROP', 'RELOAD', 'PROCESS', 'REFERENCES', 'INDEX', 'ALTER',
  'SHOW DATABASES', 'CREATE TEMPORARY TABLES', 'LOCK TABLES', 'EXECUTE', 'REPLICATION SLAVE', 'REPLICATION CLIENT',
  'CREATE VIEW', 'SHOW VIEW', 'CREATE ROUTINE', 'ALTER ROUTINE', 'CREATE USER', 'EVENT', 'TRIGGER',
];

const literal = (value: string) => mysql.escape(value);

/**
 * Run as `root` over the socket, every start (idempotent): as `mysql_secure_installation` does, drops
 * the anonymous users (`''@'localhost'` and `''@'<hostname>'` would match a login from 127.0.0.1
 * before `'hoop_ro'@'%'` and refuse it) and root's logins other than `localhost`; gives root its
 * password; makes the master; and, once, two demo schemas.
 */
async function applyAuroraMysqlPrivilegeModel(options: LocalMysqlOptions, fresh: boolean): Promise<void> {
  const root = await mysql.createConnection({
    socketPath: socketPath(options),
    user: 'root',
    password: fresh ? '' : options.superuserPassword,
    multipleStatements: true,
    charset: 'utf8mb4_unicode_ci',
  });
  try {
    const [extra] = await root.query<mysql.RowDataPacket[]>(`SELECT User AS name, Host AS host FROM mysql.user WHERE User = '' OR (User = 'root' AND Host <> 'localhost')`);
    for (const { name, host } of extra) await root.query(`DROP USER ${literal(name as string)}@${literal(host as string)}`);
    await root.query(`ALTER USER 'root'@'localhost' IDENTIFIED BY ${literal(options.superuserPassword)}`);
    await root.query(`CREATE USER IF NOT EXISTS '${MYSQL_MASTER_USER}'@'%' IDENTIFIED BY ${literal(options.masterPassword)}`);
    await root.query(`ALTER USER '${MYSQL_MASTER_USER}'@'%' IDENTIFIED BY ${literal(options.masterPassword)}`);
    await root.query(`GRANT ${MASTER_PRIVILEGES.join(', ')} ON *.* TO '${MYSQL_MASTER_USER}'@'%' WITH GRANT OPTION`);
    if (fresh) await root.query(DEMO_SCHEMAS);
  } finally {
    await root.end();
  }
}

/** Two schemas to try jobs on, made once: a table with an auto-increment key, a view across schemas. */
const DEMO_SCHEMAS = `
  CREATE DATABASE IF NOT EXISTS shop;
  CREATE TABLE shop.customers (id int AUTO_INCREMENT PRIMARY KEY, name varchar(100) NOT NULL, email varchar(200));
  CREATE TABLE shop.orders (id int AUTO_INCREMENT PRIMARY KEY, customer_id int REFERENCES shop.customers(id), total decimal(10,2));
  INSERT INTO shop.customers (name, email) VALUES ('Ada', 'ada@example.com'), ('Grace', 'grace@example.com');
  INSERT INTO shop.orders (customer_id, total) VALUES (1, 42.00), (2, 7.50);
  CREATE DATABASE IF NOT EXISTS reporting;
  CREATE VIEW reporting.sales AS SELECT c.name, sum(o.total) AS total FROM shop.orders o JOIN shop.customers c ON c.id = o.customer_id GROUP BY c.name;
`;
