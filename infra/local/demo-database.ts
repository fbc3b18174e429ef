import type { LocalPostgres } from './postgres';

/** A small database to try plans and jobs on: two schemas, a serial key, a view. Made once. */
export async function seedDemoDatabase(postgres: LocalPostgres): Promise<void> {
  const admin = await postgres.connect('postgres');
  try {
    const { rowCount } = await admin.query(`SELECT 1 FROM pg_database WHERE datname = 'demo'`);
    if (rowCount) return;
    await admin.query('CREATE DATABASE demo');
  } finally {
    await admin.end();
  }
  const demo = await postgres.connect('demo');
  try {
    await demo.query(`
      CREATE SCHEMA app;
      CREATE TABLE app.customers (id serial PRIMARY KEY, name text NOT NULL, email text);
      CREATE TABLE app.orders (id serial PRIMARY KEY, customer_id int REFERENCES app.customers(id), total numeric(10,2));
      CREATE SCHEMA reporting;
      CREATE VIEW reporting.sales AS SELECT c.name, sum(o.total) AS total FROM app.orders o JOIN app.customers c ON c.id = o.customer_id GROUP BY c.name;
      INSERT INTO app.customers (name, email) VALUES ('Ada', 'ada@example.com'), ('Grace', 'grace@example.com');
      INSERT INTO app.orders (customer_id, total) VALUES (1, 42.00), (2, 7.50);
    `);
  } finally {
    await demo.end();
  }
}
