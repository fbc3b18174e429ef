import { cleanUp } from '../deadline';
import { ConflictError, DeadlineExceededError, DomainError, NotFoundError, OutcomeUnknownError, UnprocessableError } from '../errors';
import type { Principal } from '../principal';
import { newTimeOrderedId } from '../ids';
import type { Log } from '../log';
import { generatePassword, scramSha256Verifier } from '../postgres/password';
import type { ResourceRecord } from '../resources/model';
import type { ApplyResult, BatchPlanItem, PlanRequest, PlanResult } from '../../http/schemas/provisioning';
import type { SessionRecord } from '../audit/model';
import type { PlanSessionDetails, SessionStore } from '../../adapters/dynamodb/session-store';
import { PASSWORD_PLACEHOLDER, type PlanConfig, type Statement } from '../postgres/model';
import { checksumOf, databasesInReach, planChanges } from '../postgres/diff';
import { PlanFailedError } from '../postgres/plan-failed';
import { SqlExecutionError, type SqlPort, type SqlTransaction } from '../postgres/sql-port';
import { splitPrivileges } from '../postgres/privileges';
import { generateRoleName } from '../postgres/role-name';
import { readClusterState, readDatabaseState, readSnapshot } from '../postgres/snapshot';
import { parseScope, quoteLiteral } from '../postgres/identifiers';
import { sql } from '../postgres/statements';

/** Where a provisionable resource's cluster is, from its env vars. */
export interface ClusterTarget {
  clusterArn: string;
  secretArn: string;
  defaultDatabase: string;
}

/** Stores the credentials of a role the apply made, as a role of the resource (replacing an older one). */
export type CredentialsWriter = (orgId: string, resource: ResourceRecord, credentials: { roleName: string; password: string; database: string; target: ClusterTarget }) => Promise<void>;

export interface ProvisioningDependencies {
  getResource(orgId: string, name: string): Promise<ResourceRecord | undefined>;
  sessions: SessionStore;
  sqlFor(target: ClusterTarget): SqlPort;
  storeCredentials: CredentialsWriter;
  planTtlSeconds: number;
  log: Log;
  now?: () => Date;
}

const REQUIRED_ENV = ['RDS_CLUSTER_ARN', 'RDS_SECRET_ARN'] as const;

/** The cluster behind a resource, or 422 naming what is missing. */
export function clusterTargetOf(resource: ResourceRecord): ClusterTarget {
  if (resource.subtype !== 'postgres') throw new UnprocessableError(`resource subtype "${resource.subtype}" cannot be provisioned: only postgres`);
  const missing = REQUIRED_ENV.filter((key) => !resource.env_vars[key]);
  if (missing.length > 0) throw new UnprocessableError(`resource is missing required env vars: ${missing.join(', ')}`);
  return {
    clusterArn: resource.env_vars.RDS_CLUSTER_ARN ?? '',
    secretArn: resource.env_vars.RDS_SECRET_ARN ?? '',
    defaultDatabase: resource.env_vars.DEFAULT_DATABASE || 'postgres',
  };
}

export function planConfigOf(resourceName: string, request: PlanRequest, target: ClusterTarget): PlanConfig {
  const privileges = splitPrivileges(request.privileges);
  const scopes: Record<string, string[]> = {};
  for (const text of request.scopes) {
    const { database, schema } = parseScope(text);
    scopes[database] = [...new Set([...(scopes[database] ?? []), schema])].sort();
  }
  return {
    roleName: generateRoleName(resourceName, request.role),
    type: request.type,
    tablePrivileges: privileges.table,
    schemaCreate: privileges.schemaCreate,
    routineExecute: privileges.routineExecute,
    scopes,
    sourceRole: request.source_role ?? null,
    rotatePassword: request.rotate_password,
    defaultDatabase: target.defaultDatabase,
  };
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Failures a plan or an apply reports as `status: failed` rather than as an HTTP error. */
function isReportable(error: unknown): boolean {
  return error instanceof PlanFailedError || error instanceof SqlExecutionError;
}

/**
 * Plan and apply of PostgreSQL roles, each recorded as an audit session. A plan is a pure diff of a
 * catalog snapshot (1 + databases read); an apply reads the state again under an advisory lock inside
 * its transactions and runs only if it would run exactly what was planned.
 */
export class ProvisioningService {
  private readonly now: () => Date;

  constructor(private readonly deps: ProvisioningDependencies) {
    this.now = deps.now ?? (() => new Date());
  }

  private async requireResource(orgId: string, name: string): Promise<ResourceRecord> {
    const resource = await this.deps.getResource(orgId, name);
    if (!resource) throw new NotFoundError('resource not found');
    return resource;
  }

  async plan(caller: Principal, resourceName: string, request: PlanRequest): Promise<PlanResult> {
    const resource = await this.requireResource(caller.orgId, resourceName);
    const target = clusterTargetOf(resource);
    const config = planConfigOf(resource.name, request, target);
    const sid = newTimeOrderedId();
    const started = this.now();
    const expiresAt = new Date(started.getTime() + this.deps.planTtlSeconds * 1000);
    let result: PlanResult;
    let details: PlanSessionDetails | undefined;
    try {
      const port = this.deps.sqlFor(target);
      const snapshot = await readSnapshot(async (database, text, parameters) => stateColumn(await port.query(database, text, parameters)), config);
      const outcome = planChanges(config, snapshot);
      const checksum = checksumOf(outcome.statements);
      result = {
        sid,
        resource_name: resource.name,
        role: config.roleName,
        status: 'success',
        message: '',
        in_sync: outcome.statements.length === 0,
        changes: outcome.statements,
        current_state: outcome.currentState as unknown as Record<string, unknown>,
        checksum,
        expires_at: expiresAt.toISOString(),
      };
      details = { config, checksum, statements: outcome.statements, expires_at: result.expires_at ?? '', sets_password: outcome.setsPassword };
    } catch (error) {
      if (!isReportable(error)) throw error;
      result = { sid, resource_name: resource.name, role: config.roleName, status: 'failed', message: messageOf(error) };
    }
    this.deps.log.info('plan made', { sid, resource: resource.name, role: config.roleName, status: result.status, statements: result.changes?.length ?? 0 });
    await this.deps.sessions.create(
      caller.orgId,
      this.session(caller, { id: sid, kind: 'plan', resource_name: resource.name, role: config.roleName, status: result.status, input: request, output: result, created_at: started.toISOString() }),
      details ? { details, ttl: Math.floor(expiresAt.getTime() / 1000) } : undefined,
    );
    return result;
  }

  async planBatch(caller: Principal, items: BatchPlanItem[]): Promise<PlanResult[]> {
    return Promise.all(
      items.map(async ({ resource_name, ...request }) => {
        try {
          return await this.plan(caller, resource_name, request);
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          return { sid: newTimeOrderedId(), resource_name, role: request.role, status: 'failed' as const, message: error.message };
        }
      }),
    );
  }

  async apply(caller: Principal, resourceName: string, planSid: string): Promise<ApplyResult> {
    const resource = await this.requireResource(caller.orgId, resourceName);
    const target = clusterTargetOf(resource);
    const plan = await this.deps.sessions.getPlan(caller.orgId, planSid);
    if (plan?.session.kind !== 'plan' || plan.session.resource_name !== resource.name) throw new NotFoundError('plan not found');
    if (!plan.details) throw new ConflictError('the plan failed: there is nothing to apply');
    if (Date.parse(plan.details.expires_at) <= this.now().getTime()) throw new ConflictError('the plan has expired: plan again');

    const sid = newTimeOrderedId();
    const started = this.now().toISOString();
    await this.deps.sessions.claimPlan(caller.orgId, planSid, sid, this.now().toISOString()).catch((error: unknown) => {
      if (!(error instanceof DeadlineExceededError) && !(error instanceof OutcomeUnknownError)) throw error;
      throw new DeadlineExceededError('the service did not answer in time: nothing was applied to the database; apply again, or plan again if the plan is then reported as applied');
    });
    const details = plan.details;
    const base = { sid, plan_sid: planSid, resource_name: resource.name, role: details.config.roleName };
    const progress: ApplyProgress = { committed: 0, rollingBack: Promise.resolve() };
    let result: ApplyResult;
    try {
      if (details.statements.length === 0) {
        result = { ...base, status: 'skipped', message: 'the plan was in sync: nothing to do' };
      } else {
        await this.runPlan(caller.orgId, resource, target, details, progress);
        result = { ...base, status: 'success', message: `${details.statements.length} statements applied` };
      }
    } catch (error) {
      const outOfTime = outOfTimeError(error, progress);
      const message = outOfTime?.message ?? messageOf(error);
      // When the time ran out, this clean-up gets the time kept for it, so that the session and the
      // plan say what the answer says.
      await cleanUp(async () => {
        // Nothing was committed: the plan may be applied again (or must be re-made, when it drifted).
        if (progress.committed === 0 && !(outOfTime instanceof OutcomeUnknownError)) await this.deps.sessions.releasePlan(caller.orgId, planSid, sid);
        await this.recordApply(caller, { ...base, status: outOfTime instanceof OutcomeUnknownError ? 'unknown' : 'failed', message }, started);
      });
      if (outOfTime) throw outOfTime;
      if (error instanceof DriftError) throw new ConflictError(message);
      if (!isReportable(error) && !(error instanceof CredentialsNotStoredError)) {
        this.deps.log.error('apply failed', { plan_sid: planSid, error: error as Error });
        throw error;
      }
      return { ...base, status: 'failed', message };
    } finally {
      await progress.rollingBack;
    }
    await this.recordApply(caller, result, started);
    return result;
  }

  async applyBatch(caller: Principal, items: Array<{ sid: string; resource_name: string }>): Promise<ApplyResult[]> {
    return Promise.all(
      items.map(async (item) => {
        try {
          return await this.apply(caller, item.resource_name, item.sid);
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          // An item that ran out of time while committing says so, as its session does.
          const status = error instanceof OutcomeUnknownError ? ('unknown' as const) : ('failed' as const);
          return { sid: newTimeOrderedId(), plan_sid: item.sid, resource_name: item.resource_name, role: '', status, message: error.message };
        }
      }),
    );
  }

  /**
   * Opens one transaction per database touched, in name order, each taking the database's
   * provisioning lock (concurrent GRANTs on one catalog row fail with "tuple concurrently updated", so
   * applies on a database take turns); reads the state again under the locks, and runs the statements
   * only when they are exactly the planned ones. The home transaction (role, password) commits first
   * so the other databases see the role.
   */
  private async runPlan(
    orgId: string,
    resource: ResourceRecord,
    target: ClusterTarget,
    details: PlanSessionDetails,
    progress: ApplyProgress,
  ): Promise<void> {
    const port = this.deps.sqlFor(target);
    const config = details.config;
    const open = new Map<string, SqlTransaction>();
    const begin = async (database: string) => {
      let transaction = open.get(database);
      if (!transaction) {
        transaction = await port.begin(database);
        open.set(database, transaction);
      }
      return transaction;
    };
    try {
      // Which databases to lock: those in reach before locking, plus home. Re-checked under the locks.
      const before = await readClusterState(async (database, text, parameters) => stateColumn(await port.query(database, text, parameters)), config);
      const locked = [...new Set([config.defaultDatabase, ...databasesInReach(config, before)])].filter((name) => name === config.defaultDatabase || before.databases.some((database) => database.name === name)).sort();
      for (const database of locked) await (await begin(database)).execute(sql.lockProvisioning());
      const read = async (database: string, text: string, parameters: Record<string, string>) => stateColumn(await (await begin(database)).query(text, parameters));
      const cluster = await readClusterState(read, config);
      const existing = new Set(cluster.databases.map((database) => database.name));
      const inReach = databasesInReach(config, cluster).filter((name) => existing.has(name));
      if (inReach.some((name) => !locked.includes(name))) throw new DriftError('the databases the role reaches changed since the plan: plan again');
      const databases = [];
      for (const database of inReach) databases.push(await readDatabaseState(read, config, database));
      let fresh: ReturnType<typeof planChanges>;
      try {
        fresh = planChanges(config, { cluster, databases });
      } catch (error) {
        throw new DriftError(`the database changed since the plan (${messageOf(error)}): plan again`);
      }
      if (checksumOf(fresh.statements) !== details.checksum) {
        throw new DriftError('the database changed since the plan: the statements would differ; plan again');
      }

      let password: string | undefined;
      if (details.sets_password) {
        password = generatePassword();
        try {
          await this.deps.storeCredentials(orgId, resource, { roleName: config.roleName, password, database: firstDatabase(config), target });
        } catch (error) {
          // The database has not been touched yet: running out of time here changed nothing there.
          if (error instanceof DeadlineExceededError || error instanceof OutcomeUnknownError) throw new DeadlineExceededError();
          this.deps.log.error('credentials could not be stored', { role: config.roleName, error: error as Error });
          throw new CredentialsNotStoredError();
        }
      }
      const verifier = password ? quoteLiteral(scramSha256Verifier(password)) : undefined;
      const ordered = [config.defaultDatabase, ...[...new Set(fresh.statements.map((statement) => statement.database))].filter((name) => name !== config.defaultDatabase).sort()];
      for (const database of ordered) {
        const transaction = await begin(database);
        for (const statement of fresh.statements.filter((candidate) => candidate.database === database)) {
          await transaction.execute(withPassword(statement, verifier));
        }
        await transaction.commit();
        open.delete(database);
        progress.committed++;
      }
    } finally {
      // Whatever did not commit is rolled back, which also frees its lock. The apply awaits it after
      // recording its outcome: a rollback stuck behind a stalled statement must not take the time
      // the session and the plan need.
      const unfinished = [...open.values()];
      progress.rollingBack = cleanUp(() => Promise.all(unfinished.map((transaction) => transaction.rollback().catch(() => undefined)))).catch(() => undefined);
    }
  }

  private async recordApply(caller: Principal, result: ApplyResult, started: string): Promise<void> {
    this.deps.log.info('plan applied', { sid: result.sid, plan_sid: result.plan_sid, role: result.role, status: result.status, outcome: result.message });
    await this.deps.sessions.create(
      caller.orgId,
      this.session(caller, {
        id: result.sid,
        kind: 'apply',
        resource_name: result.resource_name,
        role: result.role,
        status: result.status,
        input: { sid: result.plan_sid, resource_name: result.resource_name },
        output: { status: result.status, message: result.message },
        created_at: started,
        plan_sid: result.plan_sid,
      }),
    );
  }

  private session(caller: Principal, fields: Omit<SessionRecord, 'user' | 'ended_at'>): SessionRecord {
    return { ...fields, user: { sub: caller.sub, email: caller.email ?? null }, ended_at: this.now().toISOString() };
  }
}

/** How far an apply got: databases committed, and the rollback of the others. */
interface ApplyProgress {
  committed: number;
  rollingBack: Promise<unknown>;
}

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

/**
 * What an apply that ran out of time answers, or undefined when the error is not about time. Before
 * any commit nothing changed (503) and the plan can be applied again; once a commit may have
 * happened, or some databases were committed and others not, the outcome is for a new plan to tell.
 */
function outOfTimeError(error: unknown, progress: ApplyProgress): DeadlineExceededError | OutcomeUnknownError | undefined {
  if (!(error instanceof DeadlineExceededError) && !(error instanceof OutcomeUnknownError)) return undefined;
  if (error instanceof DeadlineExceededError && progress.committed === 0) {
    return new DeadlineExceededError('the database did not answer in time: nothing was applied, and the plan can be applied again');
  }
  return new OutcomeUnknownError(
    progress.committed > 0 && error instanceof DeadlineExceededError
      ? `the apply ran out of time after committing ${progress.committed} of its databases: plan again to see what is left to do`
      : 'the apply ran out of time while committing: it may or may not have been applied; plan again to see the state of the database',
  );
}

function firstDatabase(config: PlanConfig): string {
  return Object.keys(config.scopes).sort()[0] ?? config.defaultDatabase;
}

function withPassword(statement: Statement, verifier: string | undefined): string {
  if (!statement.sql.includes(PASSWORD_PLACEHOLDER)) return statement.sql;
  if (!verifier) throw new Error('a statement sets a password but none was made');
  return statement.sql.replace(PASSWORD_PLACEHOLDER, verifier);
}

/** The catalog reads answer one row with one JSON text column named `state`. */
function stateColumn(rows: Record<string, unknown>[]): string {
  const state = rows[0]?.state;
  if (typeof state !== 'string') throw new Error('catalog read answered no state');
  return state;
}
