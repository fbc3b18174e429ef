import { ResourceService } from '../../../../functions/core/resources/use-cases';
import { MemorySessionStore } from '../../../support/memory/audit';
import { MemoryResourceStore } from '../../../support/memory/resources';
import { principal } from '../../../support/use-cases';
import { testSealer } from '../../../support/secrets';

export const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** The resource use cases over in-memory ports, and the callers of two orgs. */
export function resourcesWorld() {
  const store = new MemoryResourceStore();
  const sessions = new MemorySessionStore();
  const sealer = testSealer();
  return {
    store,
    sessions,
    sealer,
    service: new ResourceService(store, sessions, sealer),
    admin: principal('org-a', 'admin', 'alice'),
    auditor: principal('org-a', 'auditor'),
    user: principal('org-a', 'user'),
    otherAdmin: principal('org-b', 'admin'),
  };
}

/** A postgres resource as an admin would create it. */
export const postgres = (name: string, roles: Array<{ name: string; secret?: Record<string, string> }> = []) => ({
  name,
  type: 'database',
  subtype: 'postgres',
  env_vars: { HOST: `${name}.internal`, DB_PASSWORD: 'hunter2' },
  roles: roles.map((role) => ({ ...role, type: 'database' as const })),
});
