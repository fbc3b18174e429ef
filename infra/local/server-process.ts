import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';

/**
 * Starts a database server and resolves once its log (stderr) says `readyLine`; rejects with the
 * server's own last words if it exits first. Shared by the local PostgreSQL and MariaDB.
 */
export function startServerProcess(name: string, command: string, args: string[], readyLine: string, options: SpawnOptions = {}): Promise<ChildProcess> {
  const child = spawn(command, args, { ...options, env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes(readyLine)) {
        output = '';
        child.stderr?.removeAllListeners('data');
        child.stderr?.resume();
        resolve(child);
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`${name} exited with code ${code} while starting: ${output.trim().split('\n').slice(-3).join(' ')}`)));
  });
}

/** Runs a set-up command (initdb, mariadb-install-db) to its end; rejects with the last lines of its output. */
export function runToEnd(command: string, args: string[], options: SpawnOptions = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} failed (exit ${code}): ${output.trim().split('\n').slice(-5).join(' ')}`))));
  });
}
