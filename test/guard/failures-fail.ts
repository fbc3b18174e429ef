/**
 * `npm test` runs this first: it proves that the test command can fail. The fixtures run through the
 * real stack project (its global setup starts the local stack, as in the suite): a failing test, a
 * hook that throws and a suite that cannot load. vitest must report each of them and exit non-zero.
 * A library's exit hook once turned every red run into exit 0; if one comes back, CI goes red here.
 * (That a green run exits 0 is proved by the suite itself, right after.)
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const vitest = join(createRequire(import.meta.url).resolve('vitest/package.json'), '..', 'vitest.mjs');

/** What vitest must print for each fixture, so that an exit for another reason (a broken stack) does not count. */
const expectedFailures: Record<string, RegExp> = {
  'failing-test.fixture.ts': /fails on purpose/,
  'failing-hook.fixture.ts': /a hook that throws on purpose/,
  'failing-suite.fixture.ts': /a suite that fails to load on purpose/,
};

const started = Date.now();
const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
  const child = spawn(process.execPath, [vitest, 'run', '--config', 'test/guard/vitest.config.ts'], {
    cwd: root,
    env: { ...process.env, CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  child.on('error', reject);
  child.on('close', (exitCode) => resolve({ code: exitCode, output: text }));
});

const unreported = Object.entries(expectedFailures).filter(([, pattern]) => !pattern.test(output));
const problems = [
  ...(code === 0 || code === null ? [`vitest exited with ${code} although its tests failed`] : []),
  ...(!/Test Files\s+3 failed/.test(output) ? ['vitest did not report the 3 fixtures as failed'] : []),
  ...unreported.map(([fixture]) => `vitest did not report the failure of ${fixture}`),
];
if (problems.length > 0) {
  process.stderr.write(`${output}\n\nThe test command cannot be trusted:\n${problems.map((problem) => `- ${problem}`).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(
  `Failure guard: a failing test, a throwing hook and a suite that cannot load make vitest exit ${code} (${((Date.now() - started) / 1000).toFixed(1)} s).\n`,
);
