import { keys, SORT_PREFIX } from '../../../functions/adapters/dynamodb/table';
import type { SessionRecord } from '../../../functions/core/audit/model';
import type { SessionListQuery, SessionPage, SessionReader, SessionWriter } from '../../../functions/core/audit/ports';
import { pageOf } from './page';

/**
 * The audit trail in memory, with the semantics of the DynamoDB session store: per org, written once
 * (an id used twice is refused), listed newest first by their time-ordered ids.
 */
export class MemorySessionStore implements SessionWriter, SessionReader {
  private readonly orgs = new Map<string, Map<string, SessionRecord>>();

  private sessionsOf(orgId: string): Map<string, SessionRecord> {
    let sessions = this.orgs.get(orgId);
    if (!sessions) {
      sessions = new Map();
      this.orgs.set(orgId, sessions);
    }
    return sessions;
  }

  async create(orgId: string, session: SessionRecord): Promise<void> {
    const sessions = this.sessionsOf(orgId);
    // The table's conditional put: a session is never overwritten.
    if (sessions.has(session.id)) throw new Error(`session ${session.id} exists already`);
    sessions.set(session.id, structuredClone(session));
  }

  /** The org's sessions, oldest first, as a test reads them back. */
  of(orgId: string): SessionRecord[] {
    return [...(this.orgs.get(orgId)?.values() ?? [])].map((session) => structuredClone(session));
  }

  async get(orgId: string, id: string): Promise<SessionRecord | undefined> {
    const session = this.orgs.get(orgId)?.get(id);
    return session && structuredClone(session);
  }

  async list(orgId: string, query: SessionListQuery): Promise<SessionPage> {
    const page = pageOf(this.orgs.get(orgId)?.values() ?? [], (session) => keys.session(session.id), {
      prefix: SORT_PREFIX.session,
      pageSize: query.pageSize,
      nextToken: query.nextToken,
      newestFirst: true,
      matches: (session) =>
        (query.resourceName === undefined || session.resource_name === query.resourceName) && (query.kind === undefined || session.kind === query.kind),
    });
    return { sessions: page.items.map((session) => structuredClone(session)), nextToken: page.nextToken };
  }

  /** Every session of an org in the order they were written: what a test looks at to see what was recorded. */
  written(orgId: string): SessionRecord[] {
    return [...(this.orgs.get(orgId)?.values() ?? [])].map((session) => structuredClone(session));
  }
}
