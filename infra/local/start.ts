/**
 * `npm start`: the local stack in the foreground. `--fresh` starts from empty data; PORT moves the API
 * (the local AWS endpoints take the next four ports). Ctrl-C or SIGTERM stops every child process.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { assertJavaRuns, JavaMissingError } from './dynamodb';
import { MYSQL_MISSING_MESSAGE } from './mysql';
import { assertPortsFree, PortInUseError } from './ports';
import { type LocalStack, portsFrom, startLocalStack } from './stack';

const fresh = process.argv.includes('--fresh');
const apiPort = Number(process.env.PORT ?? 3000);
const dir = process.env.LOCAL_STACK_DIR ?? '.local';
// A cloud-like round trip for every Data API call, so that call counts show up as time.
const dataApiLatencyMs = Number(process.env.LOCAL_DATA_API_LATENCY_MS ?? 0);
if (!Number.isInteger(dataApiLatencyMs) || dataApiLatencyMs < 0) {
  process.stderr.write('npm start: LOCAL_DATA_API_LATENCY_MS must be a whole number of milliseconds, 0 or more\n');
  process.exit(1);
}

/** The data directory cannot be made or written to. */
class DataDirectoryError extends Error {}

function assertWritableDirectory(path: string): void {
  const probe = join(path, `.write-check-${process.pid}`);
  try {
    mkdirSync(path, { recursive: true });
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new DataDirectoryError(
      `cannot write the data directory ${resolve(path)} (${reason}); fix its permissions, or choose another with LOCAL_STACK_DIR=<dir> npm start`,
    );
  }
}

/** What went wrong, said in one line with what to do, and a non-zero exit; a stack trace only for the unforeseen. */
function failStart(error: unknown): never {
  const foreseen = error instanceof PortInUseError || error instanceof JavaMissingError || error instanceof DataDirectoryError;
  if (foreseen) process.stderr.write(`npm start: ${error.message}\n`);
  else process.stderr.write(`npm start: the local stack did not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}

const started = Date.now();
const ports = portsFrom(apiPort);
let stack: LocalStack;
try {
  // The foreseen failures are checked before anything starts, so none leaves a server running.
  assertWritableDirectory(dir);
  assertJavaRuns();
  await assertPortsFree({ ...ports });
  stack = await startLocalStack({ dir, ports, fresh, dataApiLatencyMs });
} catch (error) {
  failStart(error);
}
const { info } = stack;

process.stdout.write(
  [
    `Local stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s (data in ${dir}/${fresh ? ', fresh' : ''})`,
    `  api_url       ${info.api_url}`,
    `  cluster_arn   ${info.cluster_arn}`,
    `  secret_arn    ${info.secret_arn}`,
    `  postgres_url  ${info.postgres_url}`,
    ...(info.mysql_url ? [`  mysql_cluster_arn  ${info.mysql_cluster_arn}`, `  mysql_url     ${info.mysql_url}`] : [MYSQL_MISSING_MESSAGE]),
    `  admin_token   ${info.admin_token}`,
    `Everything above is in ${dir}/stack.json. More tokens: npm run token -- --org <id> --groups <a,b> --sub <id>`,
    `Try: curl -H "Authorization: Bearer $(node -p "require('${resolve(dir, 'stack.json')}').admin_token")" ${info.api_url}/resources`,
    'Ctrl-C stops it.',
    '',
  ].join('\n'),
);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`\n${signal}: stopping the local stack...\n`);
  await stack.stop();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
