import type { AgentOptions } from 'node:https';

/**
 * The connections of every SDK client are kept alive between calls (and so between invocations of
 * a warm Lambda container), which saves a TCP and TLS handshake per call. The installed
 * `@smithy/node-http-handler` (4.x) already builds its agents with `keepAlive: true` and
 * `maxSockets: 50`; it is said here so that an SDK upgrade cannot change it unnoticed
 * (`AWS_NODEJS_CONNECTION_REUSE_ENABLED` is SDK v2 only and does nothing here).
 *
 * Each client gets its own agents, built from these options, rather than one shared `Agent`:
 * `client.destroy()` destroys its handler's agents, so a shared one would cut every other client's
 * connections, and each client talks to one host anyway, so a shared pool would reuse nothing more.
 */
export const KEEP_ALIVE_AGENT = { keepAlive: true, maxSockets: 50 } as const satisfies AgentOptions;

/** What a client may set of its request handler besides the agents. */
export interface RequestHandlerTimeouts {
  connectionTimeout?: number;
  requestTimeout?: number;
  throwOnRequestTimeout?: boolean;
}

/** The `requestHandler` option of an SDK client: the client's own timeouts, unchanged, and keep-alive agents (HTTPS for AWS, HTTP for the local endpoints). */
export function keepAliveRequestHandler<Timeouts extends RequestHandlerTimeouts>(timeouts: Timeouts = {} as Timeouts) {
  return { ...timeouts, httpAgent: { ...KEEP_ALIVE_AGENT }, httpsAgent: { ...KEEP_ALIVE_AGENT } };
}
