import { defineConfig } from 'vitest/config';
import { sharedTestOptions, stackProject } from '../vitest.projects.ts';

/** The stack project exactly as `npm test` runs it (same global setup, pool and settings), on the fixtures. */
export default defineConfig({
  test: {
    ...sharedTestOptions,
    projects: [{ ...stackProject, test: { ...stackProject.test, name: 'guard', include: ['test/guard/fixtures/*.fixture.ts'], exclude: [] } }],
  },
});
