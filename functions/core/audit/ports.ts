import type { SessionKind, SessionRecord } from './model';

/** Where audit sessions are written: each once, under a new id, never changed afterwards. */
export interface SessionWriter {
  create(orgId: string, session: SessionRecord): Promise<void>;
}

export interface SessionListQuery {
  pageSize: number;
  nextToken?: string | undefined;
  resourceName?: string | undefined;
  kind?: SessionKind | undefined;
}

export interface SessionPage {
  sessions: SessionRecord[];
  /** Null on the last page. */
  nextToken: string | null;
}

/** Where the audit trail is read, one org at a time. */
export interface SessionReader {
  get(orgId: string, id: string): Promise<SessionRecord | undefined>;
  /** Newest first; a page is filled while more sessions match. */
  list(orgId: string, query: SessionListQuery): Promise<SessionPage>;
}
