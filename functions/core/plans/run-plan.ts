import { DeadlineExceededError, OutcomeUnknownError } from '../errors';
import { cleanUp } from '../deadline';
import { checksumOf, databasesInReach, type PlanOutcome, planChanges } from '../postgres/diff';
import { quoteLiteral } from '../postgres/identifiers';
import { PASSWORD_PLACEHOLDER, type PlanConfig, type Statement } from '../postgres/model';
import { generatePassword, scramSha256Verifier } from '../postgres/password';
import { existingInReach } from '../postgres/snapshot';
import type { ResourceRecord } from '../resources/model';
import { messageOf, type PlanContext } from './context';
import type { ClusterTarget, PlanDetails } from './model';
import type { ApplyTransaction } from './ports';

/** The statements the apply would run are not the planned ones. */
export class DriftError extends Error {
  override name = 'DriftError';
}

export class CredentialsNotStoredError extends Error {
  override name = 'CredentialsNotStoredError';
  constructor() {
    super('the new credentials could not be stored, so nothing was changed; try again');
  }
}

/** How far an apply got: databases committed, and the rollback of the others. */
export interface ApplyProgress {
  committed: number;
  rollingBack: Promise<unknown>;
}

/**
 * Opens one transaction per database touched, in name order, each taking the database's
 * provisioning lock (concurrent GRANTs on one catalog row fail with "tuple concurrently updated", so
 * applies on a database take turns); reads the state again under the locks, and runs the statements
 * only when they are exactly the planned ones, each database's in one call. The home transaction
 * (role, password) commits first so the other databases see the role; the others then run together.
 */
export async function runPlan(
  context: PlanContext,
  orgId: string,
  resource: ResourceRecord,
  target: ClusterTarget,
  details: PlanDetails,
  progress: ApplyProgress,
): Promise<void> {
  const cluster = context.clusterFor(target);
  const config = details.config;
  // Each database's transaction, started once; kept as the start itself, so that one still starting is rolled back too.
  const open = new Map<string, Promise<ApplyTransaction>>();
  const begin = (database: string) => {
    let transaction = open.get(database);
    if (!transaction) {
      transaction = cluster.begin(database);
      open.set(database, transaction);
    }
    return transaction;
  };
  try {
    // Which databases to lock: those in reach before locking, plus home. Re-checked under the locks.
    const before = await cluster.catalog.readCluster(config);
    const locked = [...new Set([config.defaultDatabase, ...databasesInReach(config, before)])]
      .filter((name) => name === config.defaultDatabase || before.databases.some((database) => database.name === name))
      .sort();
    // Transactions start at once (starting one takes no lock); the locks are taken one after the other, in name order.
    await Promise.all(locked.map((database) => begin(database)));
    for (const database of locked) await (await begin(database)).lock();
    const fresh = await planUnderLocks(config, locked, existingInReach(config, before), begin);
    if (checksumOf(fresh.statements) !== details.checksum) {
      throw new DriftError('the database changed since the plan: the statements would differ; plan again');
    }

    const verifier = details.sets_password ? await storeNewPassword(context, orgId, resource, target, config) : undefined;
    const runAndCommit = async (database: string) => {
      const transaction = await begin(database);
      await transaction.run(fresh.statements.filter((candidate) => candidate.database === database).map((statement) => withPassword(statement, verifier)));
      await transaction.commit();
      open.delete(database);
      progress.committed++;
    };
    await runAndCommit(config.defaultDatabase);
    // Once the role exists, the other databases are independent transactions: they run at the same
    // time, and each commits when its statements succeeded, whatever another's outcome.
    const others = [...new Set(fresh.statements.map((statement) => statement.database))].filter((name) => name !== config.defaultDatabase).sort();
    const failures = (await Promise.allSettled(others.map(runAndCommit))).flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
    // A commit whose outcome is unknown, or time that ran out, says more than another database's refusal.
    if (failures.length > 0) throw failures.find((error) => error instanceof OutcomeUnknownError) ?? failures.find((error) => error instanceof DeadlineExceededError) ?? failures[0];
  } finally {
    // Whatever did not commit is rolled back, which also frees its lock. The apply awaits it after
    // recording its outcome: a rollback stuck behind a stalled statement must not take the time
    // the session and the plan need.
    const unfinished = [...open.values()];
    progress.rollingBack = cleanUp(() => Promise.all(unfinished.map((transaction) => transaction.then((started) => started.rollback()).catch(() => undefined)))).catch(
      () => undefined,
    );
  }
}

/**
 * The plan made again from the state read under the locks; DriftError when the locks do not cover it or
 * it cannot be made. The databases in reach before the locks are read at the same time as the cluster
 * (each in its own transaction); one that only the cluster read under the locks brings in, after it.
 */
async function planUnderLocks(
  config: PlanConfig,
  locked: string[],
  inReachBefore: string[],
  begin: (database: string) => Promise<ApplyTransaction>,
): Promise<PlanOutcome> {
  const readDatabase = async (database: string) => (await begin(database)).readDatabase(config);
  const [cluster, ...readBefore] = await Promise.all([(await begin(config.defaultDatabase)).readCluster(config), ...inReachBefore.map(readDatabase)]);
  const inReach = existingInReach(config, cluster);
  if (inReach.some((name) => !locked.includes(name))) throw new DriftError('the databases the role reaches changed since the plan: plan again');
  const databases = await Promise.all(inReach.map((database) => readBefore.find((state) => state.database === database) ?? readDatabase(database)));
  try {
    return planChanges(config, { cluster, databases });
  } catch (error) {
    throw new DriftError(`the database changed since the plan (${messageOf(error)}): plan again`);
  }
}

/** Makes the role's password and stores it before the database is touched; answers its SCRAM verifier as a literal. */
async function storeNewPassword(context: PlanContext, orgId: string, resource: ResourceRecord, target: ClusterTarget, config: PlanConfig): Promise<string> {
  const password = generatePassword();
  try {
    await context.storeCredentials(orgId, resource, { roleName: config.roleName, password, database: firstDatabase(config), target });
  } catch (error) {
    // The database has not been touched yet: running out of time here changed nothing there.
    if (error instanceof DeadlineExceededError || error instanceof OutcomeUnknownError) throw new DeadlineExceededError();
    context.log.error('credentials could not be stored', { role: config.roleName, error: error as Error });
    throw new CredentialsNotStoredError();
  }
  return quoteLiteral(scramSha256Verifier(password));
}

function firstDatabase(config: PlanConfig): string {
  return Object.keys(config.scopes).sort()[0] ?? config.defaultDatabase;
}

function withPassword(statement: Statement, verifier: string | undefined): string {
  if (!statement.sql.includes(PASSWORD_PLACEHOLDER)) return statement.sql;
  if (!verifier) throw new Error('a statement sets a password but none was made');
  return statement.sql.replace(PASSWORD_PLACEHOLDER, verifier);
}
