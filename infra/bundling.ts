/**
 * How every Lambda bundle is built: the CDK stack hands these to NodejsFunction and `npm run bench`
 * builds the same bundles with esbuild to measure their size and cold start.
 */
export const LAMBDA_NODE_TARGET = 'node22';

/** ESM bundles still meet CommonJS dependencies that call `require`; this gives them one. */
export const ESM_REQUIRE_BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

export const LAMBDA_BUNDLING = {
  format: 'esm',
  target: LAMBDA_NODE_TARGET,
  platform: 'node',
  minify: true,
  sourcemap: false,
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
} as const;
