import { describe, expect, it } from 'vitest';
import { connectionItem, resourceItem, toConnectionRecord, toResourceRecord } from '../../../../functions/adapters/dynamodb/resource-items';
import { connectionRecordFrom, type ResourceRecord } from '../../../../functions/core/resources/model';

const resource: ResourceRecord = {
  id: 'r1',
  name: 'Pg-Main',
  type: 'database',
  subtype: 'postgres',
  env_vars: { HOST: 'db.internal' },
  agent_id: null,
  connection_names: { ro: 'c1' },
  version: 3,
  created_at: '2026-11-25T12:00:00.000Z',
  updated_at: '2026-11-25T12:00:00.000Z',
};

describe('the items of resources and connections', () => {
  it('stores a resource as the items already in the tables are: its connections under role_names', () => {
    // Act
    const { item } = resourceItem('org-a', resource);

    // Assess
    expect(item).toMatchObject({ pk: 'ORG#org-a', sk: 'RESOURCE#Pg-Main', entity: 'resource', search_text: 'pg-main\ndatabase\npostgres', role_names: { ro: 'c1' } });
    expect(item).not.toHaveProperty('connection_names');
  });

  it('reads a stored resource item back as the record, without the keys', () => {
    // Prepare
    const stored = { ...resourceItem('org-a', resource).item, unrelated: 'x' };

    // Act
    const read = toResourceRecord(stored);

    // Assess
    expect(read).toEqual(resource);
  });

  it('stores a connection as a ROLE# item of entity role, and reads it back', () => {
    // Prepare
    const connection = connectionRecordFrom({ name: 'ro', type: 'database' }, 'ro', resource, { id: 'c1', managed_by: '' });

    // Act
    const { item, label } = connectionItem('org-a', connection);

    // Assess
    expect(item).toMatchObject({ pk: 'ORG#org-a', sk: 'ROLE#ro', entity: 'role', resource_id: 'r1' });
    expect(label).toBe('role "ro"');
    expect(toConnectionRecord(item)).toEqual(connection);
  });
});
