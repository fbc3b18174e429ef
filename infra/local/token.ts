/**
 * `npm run token -- --org <id> --groups <a,b> --sub <id> [--email <e>] [--expires 12h]`: mints a JWT
 * that the local HTTP API accepts, signed by the local stack's key (run `npm start` once first).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadOrCreateSigningKey, mintToken } from './jwt';
import type { StackInfo } from './stack';

const { values } = parseArgs({
  options: {
    org: { type: 'string', default: 'local' },
    groups: { type: 'string', default: '' },
    sub: { type: 'string', default: 'local-user' },
    email: { type: 'string' },
    expires: { type: 'string', default: '12h' },
  },
});
const dir = process.env.LOCAL_STACK_DIR ?? '.local';
let info: StackInfo;
try {
  info = JSON.parse(readFileSync(join(dir, 'stack.json'), 'utf8')) as StackInfo;
} catch {
  process.stderr.write(`No ${dir}/stack.json: start the local stack once with \`npm start\`.\n`);
  process.exit(1);
}
const key = await loadOrCreateSigningKey(join(dir, 'jwt-key.json'));
const token = await mintToken(key, info.issuer, {
  sub: values.sub,
  org: values.org,
  groups: values.groups.split(',').map((group) => group.trim()).filter(Boolean),
  ...(values.email ? { email: values.email } : {}),
  expiresIn: values.expires,
});
process.stdout.write(`${token}\n`);
