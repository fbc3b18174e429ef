import type { TestProjectInlineConfiguration, ViteUserConfig } from 'vitest/config';

/** Settings every project shares. */
export const sharedTestOptions = {
  root: new URL('..', import.meta.url).pathname,
  testTimeout: 60_000,
  // A CDK synth (infra) or a local stack start (stack) in a hook can take a while on a loaded machine.
  hookTimeout: 120_000,
  pool: 'forks',
  // Lambda runs Node 22; on the Node 20 of these machines the SDK would warn in every worker.
  env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
} satisfies ViteUserConfig['test'];

/**
 * The two kinds of test. `unit` (the pure code and the CDK template) needs no server and runs in
 * seconds; `stack` runs against one shared local stack that its global setup starts, only when one of
 * its files is selected. The failure guard (`test/guard`) runs its fixtures as `stack` exactly.
 */
export const unitProject = {
  extends: true,
  test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'test/infra/**/*.test.ts'] },
} satisfies TestProjectInlineConfiguration;

export const stackProject = {
  extends: true,
  test: {
    name: 'stack',
    include: ['test/**/*.test.ts'],
    exclude: ['test/unit/**', 'test/infra/**'],
    globalSetup: ['test/support/global-setup.ts'],
  },
} satisfies TestProjectInlineConfiguration;
