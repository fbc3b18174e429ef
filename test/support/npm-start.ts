import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertPortsFree, freePort } from '../../infra/local/ports';
import { portsFrom, type StackInfo } from '../../infra/local/stack';

const root = new URL('../..', import.meta.url).pathname;

/** Five consecutive free ports, as `PORT=<n> npm start` takes them. */
export async function freePortRun(): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const base = await freePort();
    try {
      if (base + 4 > 65_535) throw new Error('out of range');
      await assertPortsFree({ ...portsFrom(base) });
      return base;
    } catch (error) {
      if (attempt === 20) throw error;
    }
  }
}

/** `npm start` as the README says, with these variables, resolved once it prints that it is ready. */
export function npmStart(env: Record<string, string>): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('Local stack ready')) resolve(child);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code}: ${output}`)));
  });
}

/** Stops a stack `npmStart` started, as Ctrl-C would, and waits for it to exit. */
export async function stopNpmStart(stack: ChildProcess | undefined): Promise<void> {
  if (!stack || stack.exitCode !== null) return;
  const exited = new Promise((resolve) => stack.once('exit', resolve));
  stack.kill('SIGTERM');
  await exited;
}

/** A local stack of its own, as a user runs it (`npm start` in its own process), in a throw-away directory. */
export async function startSeparateStack(env: Record<string, string> = {}): Promise<{ info: StackInfo; dir: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'db-access-stack-'));
  // PostgreSQL runs as the unprivileged `postgres` user when started as root: it must reach its data.
  chmodSync(dir, 0o755);
  const stack = await npmStart({ PORT: String(await freePortRun()), LOCAL_STACK_DIR: dir, ...env });
  const info = JSON.parse(readFileSync(join(dir, 'stack.json'), 'utf8')) as StackInfo;
  return {
    info,
    dir,
    stop: async () => {
      await stopNpmStart(stack);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
