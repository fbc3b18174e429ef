import { statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, buildSync, type Metafile } from 'esbuild';
import { buildOpenApiDocument } from '../functions/http/openapi';

/**
 * How every Lambda bundle is built: the CDK stack stages the output of `buildLambdaBundle` as each
 * function's code, and `npm run bench` builds the same bundles to measure their size and cold start.
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

/** The file of a bundle that Lambda loads; its exports are the handlers (`index.handler`). */
export const LAMBDA_ENTRY_FILE = 'index.mjs';

/**
 * Minified ESM with code splitting: what a function's entry imports statically is loaded at cold
 * start, and what it reaches only through `import()` (the Encryption SDK, the idempotency store, the
 * RDS describer of job creation) stays in chunks that the first request needing them loads.
 */
export const LAMBDA_BUNDLING = {
  bundle: true,
  format: 'esm',
  splitting: true,
  target: LAMBDA_NODE_TARGET,
  platform: 'node',
  minify: true,
  sourcemap: false,
  mainFields: ['module', 'main'],
  banner: { js: ESM_REQUIRE_BANNER },
  alias: LAMBDA_ALIASES,
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  logLevel: 'error',
} as const satisfies BuildOptions;

/** The bytes a function loads: at cold start (its entry and the chunks it imports statically), and on demand. */
export interface BundleFootprint {
  /** Output files loaded when the entry is imported, the entry first. */
  initFiles: string[];
  initBytes: number;
  /** Output files reached only through `import()`. */
  lazyFiles: string[];
  lazyBytes: number;
}

let constants: Record<string, string> | undefined;

/**
 * What the bundles get as constants (esbuild's `define`): the OpenAPI document as JSON text, built
 * here from the zod schemas, which the OpenAPI function serves instead of building it (see
 * functions/entries/openapi.ts). Other entries do not name it.
 */
function bundleConstants(): Record<string, string> {
  constants ??= { PREBUILT_OPENAPI_DOCUMENT: JSON.stringify(JSON.stringify(buildOpenApiDocument())) };
  return constants;
}

/** Builds one function's bundle into `outdir` (`index.mjs` and `chunks/`), and answers esbuild's metafile. */
export function buildLambdaBundle(entry: string, outdir: string): Metafile {
  const { metafile } = buildSync({
    ...LAMBDA_BUNDLING,
    mainFields: [...LAMBDA_BUNDLING.mainFields],
    define: bundleConstants(),
    entryPoints: { index: entry },
    outdir,
    metafile: true,
  });
  return metafile;
}

/** What the entry of a bundle loads at cold start and what it leaves for later, from the metafile. */
export function bundleFootprint(metafile: Metafile, outdir: string): BundleFootprint {
  const entry = join(outdir, LAMBDA_ENTRY_FILE);
  // The metafile names outputs relative to the working directory.
  const key = (file: string) => relative(process.cwd(), resolve(file));
  const initFiles: string[] = [];
  const pending = [key(entry)];
  while (pending.length > 0) {
    const file = pending.shift() as string;
    if (initFiles.includes(file)) continue;
    const output = metafile.outputs[file];
    if (!output) throw new Error(`no output ${file} in the metafile`);
    initFiles.push(file);
    for (const imported of output.imports) if (imported.kind === 'import-statement' && !imported.external) pending.push(imported.path);
  }
  const lazyFiles = Object.keys(metafile.outputs).filter((file) => !initFiles.includes(file));
  const bytes = (files: string[]) => files.reduce((sum, file) => sum + statSync(resolve(file)).size, 0);
  return { initFiles, initBytes: bytes(initFiles), lazyFiles, lazyBytes: bytes(lazyFiles) };
}
