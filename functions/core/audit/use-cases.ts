import { NotFoundError } from '../errors';
import type { Principal } from '../principal';
import type { SessionKind, SessionRecord } from './model';
import type { SessionReader } from './ports';

/** The audit trail: plans, applies and reveals of credentials. Authorization by group is done by the handler; tenancy here. */
export class AuditService {
  constructor(private readonly sessions: SessionReader) {}

  /** A session of the caller's org; one of another org is not found, as one that does not exist. */
  async getSession(caller: Principal, sid: string): Promise<SessionRecord> {
    const session = await this.sessions.get(caller.orgId, sid);
    if (!session) throw new NotFoundError('session not found');
    return session;
  }

  /** Sessions newest first, optionally of one resource and one kind. */
  async listSessions(
    caller: Principal,
    query: { page_size: number; next_token?: string | undefined; resource_name?: string | undefined; kind?: SessionKind | undefined },
  ): Promise<{ items: SessionRecord[]; next_token: string | null }> {
    const page = await this.sessions.list(caller.orgId, {
      pageSize: query.page_size,
      nextToken: query.next_token,
      resourceName: query.resource_name,
      kind: query.kind,
    });
    return { items: page.sessions, next_token: page.nextToken };
  }
}
