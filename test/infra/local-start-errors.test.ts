import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/local/ports';

const root = new URL('../..', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'start-errors-'));

/** `npm start` as a user runs it (tsx on the start script), with the environment the case needs. */
function npmStart(env: Record<string, string>) {
  const run = spawnSync(join(root, 'node_modules/.bin/tsx'), ['infra/local/start.ts'], {
    cwd: root,
    env: { ...process.env, LOCAL_STACK_DIR: join(scratch, 'stack'), ...env },
    encoding: 'utf8',
    // A check that failed to refuse would start the whole stack: stop it rather than hang.
    timeout: 90_000,
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}

function listenOn(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('npm start: failures it can foresee give one line and a non-zero exit', () => {
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('names the busy port and how to move the stack', async () => {
    // Prepare: another program holds the API port.
    const port = await freePort();
    const holder = await listenOn(port);

    // Act
    const started = npmStart({ PORT: String(port) });
    holder.close();

    // Assess
    expect(started.status).toBe(1);
    expect(started.output.split('\n')).toHaveLength(1);
    expect(started.output).toMatch(new RegExp(`^npm start: ports? (\\d+, )*${port}\\b.* already in use .*PORT=\\d+ npm start`));
  });

  it('says Java is missing and how to install it', () => {
    // Prepare: a PATH with node and nothing else.
    const bin = join(scratch, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));

    // Act
    const started = npmStart({ PATH: bin });

    // Assess
    expect(started.status).toBe(1);
    expect(started.output).toMatch(/^npm start: Java not found: DynamoDB Local needs Java 17 or later on PATH \(.*apt-get install [^)]+\)$/);
  });

  it('says the data directory cannot be written and how to choose another', () => {
    // Prepare: the directory's parent is a file, which no user (root included) can make a directory in.
    const file = join(scratch, 'a-file');
    writeFileSync(file, '');

    // Act
    const started = npmStart({ LOCAL_STACK_DIR: join(file, 'data') });

    // Assess
    expect(started.status).toBe(1);
    expect(started.output).toBe(`npm start: cannot write the data directory ${join(file, 'data')} (ENOTDIR); fix its permissions, or choose another with LOCAL_STACK_DIR=<dir> npm start`);
  });
});
