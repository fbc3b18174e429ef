import { createServer, type Server } from 'node:http';

/**
 * A stand-in for Vault's KV v2 write endpoint (no Vault server can be installed here): it checks the
 * token as Vault does and keeps what was written, for tests to read back.
 */
export interface FakeVault {
  address: string;
  token: string;
  writes: Map<string, Record<string, string>>;
  stop(): Promise<void>;
}

export async function startFakeVault(port: number, token: string): Promise<FakeVault> {
  const writes = new Map<string, Record<string, string>>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://vault');
      const send = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      if (request.method === 'GET' && url.pathname === '/_test/writes') return send(200, Object.fromEntries(writes));
      if (request.headers['x-vault-token'] !== token) return send(403, { errors: ['permission denied'] });
      const match = /^\/v1\/(.+)$/.exec(url.pathname);
      if (request.method !== 'POST' || !match?.[1]) return send(405, { errors: ['unsupported operation'] });
      const path = decodeURIComponent(match[1]);
      // KV v2 data lives under <mount>/data/<path>.
      if (!path.split('/').includes('data')) return send(404, { errors: [`no handler for route "${path}"`] });
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { data?: Record<string, string> };
      if (!body.data) return send(400, { errors: ['no data provided'] });
      writes.set(path, body.data);
      send(200, { data: { created_time: new Date().toISOString(), version: 1 } });
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return {
    address: `http://127.0.0.1:${port}`,
    token,
    writes,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
