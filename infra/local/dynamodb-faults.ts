import { createServer, request as forward, Agent, type IncomingMessage, type Server } from 'node:http';

/**
 * A stalling proxy in front of DynamoDB Local, for tests of what the service does when DynamoDB does
 * not answer in time. Requests pass through unchanged, except that after
 * `POST /_local/faults` `{org, count, delay_ms}` the next `count` requests that touch that org's
 * partition (their body names `ORG#<org>`) wait `delay_ms` first. A stalled request is still
 * delivered, even when its caller has given up, as a slow network or service would: a write may
 * land after the caller was told the outcome is unknown.
 */
export interface DynamoDbFaults {
  endpoint: string;
  stop(): Promise<void>;
}

interface Stall {
  count: number;
  delayMs: number;
}

function readAll(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

export async function startDynamoDbFaults(options: { port: number; target: string }): Promise<DynamoDbFaults> {
  const target = new URL(options.target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const stalls = new Map<string, Stall>();

  const stallFor = (body: string): number => {
    for (const [org, stall] of stalls) {
      if (stall.count > 0 && body.includes(JSON.stringify(`ORG#${org}`).slice(1, -1))) {
        stall.count--;
        return stall.delayMs;
      }
    }
    return 0;
  };

  const server: Server = createServer(async (incoming, outgoing) => {
    outgoing.on('error', () => {});
    try {
      const body = await readAll(incoming);
      if (incoming.url === '/_local/faults' && incoming.method === 'POST') {
        const fault = JSON.parse(body.toString('utf8') || '{}') as { org?: string; count?: number; delay_ms?: number };
        if (!fault.org || !fault.delay_ms) {
          outgoing.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'org and delay_ms are required' }));
          return;
        }
        stalls.set(fault.org, { count: fault.count ?? 1, delayMs: fault.delay_ms });
        outgoing.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ armed: fault.count ?? 1 }));
        return;
      }
      const delay = stallFor(body.toString('utf8'));
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      const upstream = forward(
        { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers, agent },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      upstream.on('error', () => outgoing.destroy());
      upstream.end(body);
    } catch {
      outgoing.destroy();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  return {
    endpoint: `http://127.0.0.1:${options.port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
