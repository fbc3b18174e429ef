/**
 * `npm start`: the local stack in the foreground. `--fresh` starts from empty data; PORT moves the API
 * (the local AWS endpoints take the next four ports). Ctrl-C or SIGTERM stops every child process.
 */
import { resolve } from 'node:path';
import { portsFrom, startLocalStack } from './stack';

const fresh = process.argv.includes('--fresh');
const apiPort = Number(process.env.PORT ?? 3000);
const dir = process.env.LOCAL_STACK_DIR ?? '.local';
// A cloud-like round trip for every Data API call, so that call counts show up as time.
const dataApiLatencyMs = Number(process.env.LOCAL_DATA_API_LATENCY_MS ?? 0);
if (!Number.isInteger(dataApiLatencyMs) || dataApiLatencyMs < 0) throw new Error('LOCAL_DATA_API_LATENCY_MS must be a whole number of milliseconds, 0 or more');

const started = Date.now();
const stack = await startLocalStack({ dir, ports: portsFrom(apiPort), fresh, dataApiLatencyMs });
const { info } = stack;

process.stdout.write(
  [
    `Local stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s (data in ${dir}/${fresh ? ', fresh' : ''})`,
    `  api_url       ${info.api_url}`,
    `  cluster_arn   ${info.cluster_arn}`,
    `  secret_arn    ${info.secret_arn}`,
    `  postgres_url  ${info.postgres_url}`,
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
