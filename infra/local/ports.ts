import { createServer } from 'node:net';

/** A TCP port that is free on 127.0.0.1 right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A port the local stack needs is taken, most often by another `npm start`. */
export class PortInUseError extends Error {}

/** Whether 127.0.0.1:<port> can be listened on now (the servers of the stack bind there). */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Checked before anything starts: a taken port found later fails deep inside PostgreSQL or an HTTP
 * server, and leaves the parts already started running.
 */
export async function assertPortsFree(ports: Record<string, number>): Promise<void> {
  const numbers = Object.values(ports);
  const free = await Promise.all(numbers.map(canListen));
  const taken = numbers.filter((_port, index) => !free[index]);
  if (taken.length === 0) return;
  const [first, last] = [Math.min(...numbers), Math.max(...numbers)];
  throw new PortInUseError(
    `${taken.length === 1 ? 'port' : 'ports'} ${taken.join(', ')} ${taken.length === 1 ? 'is' : 'are'} already in use (another npm start?); stop it, or move the stack with PORT=${first + 1000} npm start (it takes PORT to PORT+${last - first})`,
  );
}
