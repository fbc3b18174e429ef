import { type ChildProcess, execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePortRun, npmStart, stopNpmStart } from '../support/npm-start';

const root = new URL('../..', import.meta.url).pathname;

/**
 * The README's walkthrough: the ```sh blocks marked `<!-- walkthrough -->` under "## Walkthrough", in
 * order, and the statuses their `# → 201` comments promise.
 */
function walkthroughOf(readme: string) {
  const section = readme.split(/^## Walkthrough$/m)[1]?.split(/^## /m)[0] ?? '';
  const blocks = [...section.matchAll(/^<!-- walkthrough -->\n```sh\n([\s\S]*?)\n```$/gm)].map((match) => match[1] ?? '');
  // Each promise with the command it is about, so that a failure names the example that drifted.
  const promises = blocks.flatMap((block) =>
    [...block.matchAll(/^(.*?)\s*# → (\d{3})\b/gm)].map((match) => ({ command: (match[1] ?? '').slice(0, 120), status: match[2] ?? '' })),
  );
  return { script: blocks.join('\n'), promises };
}

describe('README walkthrough', () => {
  const dir = mkdtempSync(join(tmpdir(), 'readme-walkthrough-'));
  let stack: ChildProcess | undefined;

  beforeAll(async () => {
    // PostgreSQL runs as the unprivileged `postgres` user when started as root: it must reach its data.
    chmodSync(dir, 0o755);
    stack = await npmStart({ PORT: String(await freePortRun()), LOCAL_STACK_DIR: dir });
  });

  afterAll(async () => {
    await stopNpmStart(stack);
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs top to bottom on a fresh stack, every call answering the status the text states', async () => {
    // Prepare
    const { script, promises } = walkthroughOf(readFileSync(join(root, 'README.md'), 'utf8'));
    expect(promises.length).toBeGreaterThan(20);

    // Act: one bash, as a user pasting the blocks in order; the set-up block reads LOCAL_STACK_DIR.
    const run = await promisify(execFile)('bash', ['-c', `set -eo pipefail\n${script}`], {
      cwd: root,
      env: { ...process.env, LOCAL_STACK_DIR: dir },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 240_000,
    }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`the walkthrough stopped: ${error.message}\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
    });

    // Assess: curl's `-w '\n%{http_code}\n'` puts each status on a line of its own.
    const printed = run.stdout.split('\n').filter((line) => /^\d{3}$/.test(line));
    expect(promises.map(({ command }, index) => `${command} → ${printed[index]}`)).toEqual(promises.map(({ command, status }) => `${command} → ${status}`));
    expect(printed).toHaveLength(promises.length);
    expect(run.stdout).toContain('All user roles have been successfully provisioned');
  }, 300_000);
});
