import type { LocalPostgres } from './postgres';

/** The application role that owns the demo database's objects, as on a real cluster (not the master). */
export const DEMO_APP_ROLE = 'demo_app';

/**
 * A small database to try plans and jobs on: two schemas, a serial key, a view. Made once. As on
 * Aurora, the master creates the database and the application's role (so it holds ADMIN OPTION on
 * it, and nothing more); the application's objects belong to that role.
 */
export async function seedDemoDatabase(postgres: LocalPostgres): Promise<void> {
  const master = await postgres.connect('postgres');
  try {
    const { rowCount } = await master.query(`SELECT 1 FROM pg_database WHERE datname = 'demo'`);
    if (rowCount) return;
    await master.query(`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${DEMO_APP_ROLE}') THEN CREATE ROLE ${DEMO_APP_ROLE} NOLOGIN; END IF; END $$`);
    await master.query('CREATE DATABASE demo');
    await master.query(`GRANT CREATE ON DATABASE demo TO ${DEMO_APP_ROLE}`);
  } finally {
    await master.end();
  }
  // The application's migrations run as the application's role (here through the superuser, which
  // may become any role; the master may not).
  const app = await postgres.connectAsSuperuser('demo');
  try {
    await app.query(`
      SET ROLE ${DEMO_APP_ROLE};
      CREATE SCHEMA app;
      CREATE TABLE app.customers (id serial PRIMARY KEY, name text NOT NULL, email text);
      CREATE TABLE app.orders (id serial PRIMARY KEY, customer_id int REFERENCES app.customers(id), total numeric(10,2));
      CREATE SCHEMA reporting;
      CREATE VIEW reporting.sales AS SELECT c.name, sum(o.total) AS total FROM app.orders o JOIN app.customers c ON c.id = o.customer_id GROUP BY c.name;
      INSERT INTO app.customers (name, email) VALUES ('Ada', 'ada@example.com'), ('Grace', 'grace@example.com');
      INSERT INTO app.orders (customer_id, total) VALUES (1, 42.00), (2, 7.50);
    `);
  } finally {
    await app.end();
  }
}
