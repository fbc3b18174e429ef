import * as z from 'zod/mini';
import type { GroupRequests } from '../contracts';
import { SESSION_KINDS } from '../../core/audit/model';
import { pageQuery, pathName, uuid } from './common';

export const sessionParams = z.object({ sid: uuid });
export const sessionListQuery = z.extend(pageQuery, {
  resource_name: z.optional(pathName('resource_name')),
  kind: z.optional(z.enum(SESSION_KINDS)),
});

/** What the sessions function validates, by operation. */
export const sessionRequests = {
  group: 'sessions',
  operations: {
    getSession: { params: sessionParams },
    listSessions: { query: sessionListQuery },
  },
} as const satisfies GroupRequests<'sessions'>;
