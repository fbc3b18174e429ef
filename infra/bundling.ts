import { fileURLToPath } from 'node:url';

/**
 * How every Lambda bundle is built: the CDK stack hands these to NodejsFunction and `npm run bench`
 * builds the same bundles with esbuild to measure their size and cold start.
 */
export const LAMBDA_NODE_TARGET = 'node22';

/** ESM bundles still meet CommonJS dependencies that call `require`; this gives them one. */
export const ESM_REQUIRE_BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/**
 * Packages the Lambda bundles swap for a smaller module of ours. The SDK clients' default credential
 * chain becomes the environment alone, which is where Lambda puts the role's credentials (see
 * functions/adapters/env-credentials.ts).
 */
export const LAMBDA_ALIASES = {
  '@aws-sdk/credential-provider-node': fileURLToPath(new URL('../functions/adapters/env-credentials.ts', import.meta.url)),
} as const;

/** The same aliases as esbuild command-line arguments, the form CDK's `bundling.esbuildArgs` takes. */
export const LAMBDA_ESBUILD_ARGS: Record<string, string> = Object.fromEntries(
  Object.entries(LAMBDA_ALIASES).map(([from, to]) => [`--alias:${from}`, to]),
);

export const LAMBDA_BUNDLING = {
  format: 'esm',
  target: LAMBDA_NODE_TARGET,
  platform: 'node',
  minify: true,
  sourcemap: false,
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  alias: LAMBDA_ALIASES,
} as const;
