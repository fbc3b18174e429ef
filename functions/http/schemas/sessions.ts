import * as z from 'zod';
import { SESSION_KINDS, type SessionRecord } from '../../core/audit/model';
import { type Holds, pageOf, pageQuery, pathName, type Same, timestamp, uuid } from './common';


export const sessionResponse = z
  .object({
    id: uuid,
    kind: z.enum(SESSION_KINDS),
    resource_name: z.string(),
    role: z.string(),
    user: z.object({ sub: z.string(), email: z.string().nullable() }),
    created_at: timestamp,
    ended_at: timestamp.nullable(),
    status: z.string(),
    input: z.unknown(),
    output: z.unknown(),
    plan_sid: uuid.optional(),
  })
  .meta({ id: 'Session' });

export const sessionParams = z.object({ sid: uuid });
export const sessionListQuery = pageQuery.extend({
  resource_name: pathName('resource_name').optional(),
  kind: z.enum(SESSION_KINDS).optional(),
});
export const sessionPage = pageOf(sessionResponse, 'SessionPage');

/** What the audit use cases answer is exactly what the schema describes. */
export type SchemasMatchTheCore = [Holds<Same<z.output<typeof sessionResponse>, SessionRecord>>];
