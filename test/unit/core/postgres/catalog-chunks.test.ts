import { describe, expect, it } from 'vitest';
import type { PlanConfig } from '../../../../functions/core/postgres/model';
import { PlanFailedError } from '../../../../functions/core/postgres/plan-failed';
import { type CatalogQuery, sqlCatalog } from '../../../../functions/core/postgres/snapshot';

const config: PlanConfig = {
  roleName: 'r',
  type: 'managed',
  tablePrivileges: ['SELECT'],
  schemaCreate: false,
  routineExecute: false,
  scopes: {},
  sourceRole: null,
  rotatePassword: false,
  defaultDatabase: 'postgres',
};
const state = JSON.stringify({ master: 'postgres', exists: false, attributes: null, memberships: [], source_exists: false, grantable: {}, databases: [{ name: 'postgres', connect: false }] });

/** Answers the state's text in pages of two chunks of `size` characters, as `inChunks` does; `digestOf` may change between calls. */
function pagedQuery(size: number, digestOf: (call: number) => string = () => 'd') {
  const chunks = Array.from({ length: Math.ceil(state.length / size) }, (_, index) => state.slice(index * size, (index + 1) * size));
  const pages = Math.ceil(chunks.length / 2);
  const pagesAsked: number[] = [];
  const query: CatalogQuery = async (_, __, parameters) => {
    const page = Number(parameters.page);
    pagesAsked.push(page);
    const digest = digestOf(pagesAsked.length);
    return chunks.slice(page * 2, page * 2 + 2).map((chunk) => ({ pages: pages, digest, chunk }));
  };
  return { query, pagesAsked, pages };
}

describe('the chunked catalog reads', () => {
  it('reassembles the chunks of every page, in order', async () => {
    // Prepare
    const { query, pagesAsked, pages } = pagedQuery(10);

    // Act
    const cluster = await sqlCatalog(query).readCluster(config);

    // Assess
    expect(cluster).toEqual(JSON.parse(state));
    expect(pagesAsked).toEqual(Array.from({ length: pages }, (_, page) => page));
  });

  it('starts again when the catalog changed between pages, and gives up when it keeps changing', async () => {
    // Prepare: the first read's second page is of another state; then every page is
    const changedOnce = pagedQuery(10, (call) => (call === 2 ? 'other' : 'd'));
    const changing = pagedQuery(10, (call) => `d${call}`);

    // Act
    const cluster = await sqlCatalog(changedOnce.query).readCluster(config);
    const failing = sqlCatalog(changing.query).readCluster(config);

    // Assess
    expect(cluster).toEqual(JSON.parse(state));
    expect(changedOnce.pagesAsked.slice(0, 3)).toEqual([0, 1, 0]);
    await expect(failing).rejects.toThrow(new PlanFailedError('the catalog kept changing while it was read: plan again'));
    expect(changing.pagesAsked).toEqual([0, 1, 0, 1, 0, 1]);
  });
});
