import { describe, expect, it } from 'vitest';
import type { SessionKind, SessionRecord } from '../../../../functions/core/audit/model';
import type { SessionListQuery, SessionPage, SessionReader } from '../../../../functions/core/audit/ports';
import { AuditService } from '../../../../functions/core/audit/use-cases';
import { NotFoundError } from '../../../../functions/core/errors';
import { newTimeOrderedId } from '../../../../functions/core/ids';
import { MemorySessionStore } from '../../../support/memory/audit';
import { expectRefusal, principal } from '../../../support/use-cases';

const auditor = principal('org-a', 'auditor');
const otherAuditor = principal('org-b', 'auditor');

const session = (kind: SessionKind, resourceName: string): SessionRecord => ({
  id: newTimeOrderedId(),
  kind,
  resource_name: resourceName,
  role: 'ro',
  user: { sub: 'alice', email: null },
  created_at: '2026-11-25T12:00:00.000Z',
  ended_at: null,
  status: 'success',
  input: {},
  output: {},
});

/** The audit trail of org-a, written in this order: oldest first. */
async function trail(sessions: SessionRecord[]): Promise<MemorySessionStore> {
  const store = new MemorySessionStore();
  for (const written of sessions) await store.create(auditor.orgId, written);
  return store;
}

describe('the audit trail', () => {
  it('gives a session of the caller’s org', async () => {
    // Prepare
    const recorded = session('reveal', 'pg');
    const audit = new AuditService(await trail([recorded]));

    // Act
    const found = await audit.getSession(auditor, recorded.id);

    // Assess
    expect(found).toEqual(recorded);
  });

  it('does not find a session that does not exist, or one of another org', async () => {
    // Prepare
    const recorded = session('plan', 'pg');
    const audit = new AuditService(await trail([recorded]));

    // Act
    const absent = audit.getSession(auditor, newTimeOrderedId());
    const ofAnotherOrg = audit.getSession(otherAuditor, recorded.id);

    // Assess
    await expectRefusal(absent, NotFoundError, 'session not found');
    await expectRefusal(ofAnotherOrg, NotFoundError, 'session not found');
  });

  it('lists sessions newest first, a page at a time, of one resource and one kind when asked', async () => {
    // Prepare
    const [plan, apply, reveal, otherPlan] = [session('plan', 'pg'), session('apply', 'pg'), session('reveal', 'pg'), session('plan', 'other')];
    const audit = new AuditService(await trail([plan, apply, reveal, otherPlan]));

    // Act
    const first = await audit.listSessions(auditor, { page_size: 2, resource_name: 'pg' });
    const second = await audit.listSessions(auditor, { page_size: 2, resource_name: 'pg', next_token: first.next_token ?? undefined });
    const plans = await audit.listSessions(auditor, { page_size: 10, kind: 'plan' });
    const ofAnotherOrg = await audit.listSessions(otherAuditor, { page_size: 10 });

    // Assess
    expect(first.items).toEqual([reveal, apply]);
    expect(second).toEqual({ items: [plan], next_token: null });
    expect(plans.items).toEqual([otherPlan, plan]);
    expect(ofAnotherOrg).toEqual({ items: [], next_token: null });
  });

  it('asks the trail for the page and filters as given', async () => {
    // Prepare
    const asked: SessionListQuery[] = [];
    const reader: SessionReader = {
      get: async () => undefined,
      list: async (_orgId, query): Promise<SessionPage> => {
        asked.push(query);
        return { sessions: [], nextToken: 'more' };
      },
    };

    // Act
    const page = await new AuditService(reader).listSessions(auditor, { page_size: 7, next_token: 'abc', resource_name: 'pg', kind: 'apply' });

    // Assess
    expect(asked).toEqual([{ pageSize: 7, nextToken: 'abc', resourceName: 'pg', kind: 'apply' }]);
    expect(page).toEqual({ items: [], next_token: 'more' });
  });
});
