import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { type RouteDefinition, routeKey, routes, type HandlerGroup } from '../../functions/http/routes';
import { invokeLocally, lambdaContext } from './lambda-runtime';

export type HttpHandler = (
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** Extra routes on the API's origin outside `/api` (local tools such as `POST /_local/events`). */
export type LocalRoute = (request: IncomingMessage, body: Buffer) => Promise<{ statusCode: number; body: unknown }>;

export interface LocalHttpApiOptions {
  port: number;
  handlers: Record<HandlerGroup, HttpHandler>;
  /** Claims of a valid bearer token, or undefined: the JWT authorizer's decision. */
  verifyAuthorization(header: string | undefined): Promise<Record<string, string> | undefined>;
  localRoutes?: Record<string, LocalRoute>;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const TEXT_CONTENT = /^(application\/(json|.*\+json|xml|x-www-form-urlencoded|javascript)|text\/)/i;

interface CompiledRoute {
  route: RouteDefinition;
  pattern: RegExp;
  names: string[];
}

function compile(route: RouteDefinition): CompiledRoute {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      const parameter = /^\{(\w+)\}$/.exec(segment);
      if (!parameter?.[1]) return segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      names.push(parameter[1]);
      return '([^/]+)';
    })
    .join('/');
  return { route, pattern: new RegExp(`^${source}$`), names };
}

/**
 * The body, or undefined when it is over API Gateway's limit. An oversized body is still read to its
 * end (and dropped): a socket closed with unread data is reset, and the client would never see the 413.
 */
function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else chunks.length = 0;
    });
    request.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** Each path parameter decoded, or undefined when one has malformed percent-encoding. */
function decodePathParameters(names: string[], values: string[]): Record<string, string> | undefined {
  try {
    return Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(values[index] ?? '')]));
  } catch {
    return undefined;
  }
}

function send(response: ServerResponse, statusCode: number, body: unknown, headers: Record<string, string> = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(statusCode, { 'content-type': 'application/json', ...headers });
  response.end(text);
}

/**
 * The HTTP API locally: matches the shared route table, checks the bearer token as the JWT authorizer
 * would before any handler runs (401 without a valid one), builds a payload 2.0 event and invokes the
 * handler group's Lambda handler in process.
 */
/** The deployed functions' timeout (CDK: 29 s, inside API Gateway's 30 s integration limit). */
const LAMBDA_TIMEOUT_MS = 29_000;

/**
 * A test may ask for a shorter Lambda timeout with the local-only header `x-local-lambda-timeout-ms`
 * (1 to 29 000), to reach the handlers' deadlines in seconds rather than half a minute.
 */
function lambdaTimeoutMs(request: IncomingMessage): number {
  const asked = Number(request.headers['x-local-lambda-timeout-ms']);
  return Number.isInteger(asked) && asked >= 1 && asked <= LAMBDA_TIMEOUT_MS ? asked : LAMBDA_TIMEOUT_MS;
}

class LambdaTimeoutError extends Error {}

/**
 * Invokes the handler as Lambda would, with its timeout: a handler still running then is a failed
 * invocation, which API Gateway answers with 500 (here the work cannot be killed, only abandoned).
 */
async function invokeWithTimeout(handler: HttpHandler, event: APIGatewayProxyEventV2WithJWTAuthorizer, functionName: string, requestId: string, timeoutMs: number) {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LambdaTimeoutError(`${functionName} timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([invokeLocally(handler, event, lambdaContext(functionName, requestId, timeoutMs)), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

export function startLocalHttpApi(options: LocalHttpApiOptions): Promise<Server> {
  const compiled = routes.map(compile);

  const server = createServer(async (request, response) => {
    const requestId = randomUUID();
    try {
      const url = new URL(request.url ?? '/', 'http://local');
      const body = await readBody(request);
      if (!body) return send(response, 413, { message: 'Request Entity Too Large' }, { connection: 'close' });
      const local = options.localRoutes?.[`${request.method} ${url.pathname}`];
      if (local) {
        const result = await local(request, body);
        return send(response, result.statusCode, result.body);
      }
      const candidates = compiled.filter((entry) => entry.pattern.test(url.pathname));
      const match = candidates.find((entry) => entry.route.method === request.method);
      if (!match) return send(response, 404, { message: 'Not Found' });
      const values = match.pattern.exec(url.pathname)?.slice(1) ?? [];
      const pathParameters = decodePathParameters(match.names, values);
      // The spec's 400 for a malformed path, before the authorizer: the request cannot even be routed.
      if (!pathParameters) return send(response, 400, { message: 'malformed percent-encoding in the path' });

      let claims: Record<string, string> | undefined;
      if (match.route.access !== 'public') {
        claims = await options.verifyAuthorization(request.headers.authorization);
        if (!claims) return send(response, 401, { message: 'Unauthorized' });
      }

      const event = buildEvent(request, url, body, match.route, pathParameters, claims, requestId);
      const result = await invokeWithTimeout(options.handlers[match.route.group], event, `local-${match.route.group}`, requestId, lambdaTimeoutMs(request));
      const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([key, value]) => [key, String(value)]));
      response.writeHead(result.statusCode ?? 200, { 'apigw-requestid': requestId, ...headers });
      response.end(result.isBase64Encoded && result.body ? Buffer.from(result.body, 'base64') : (result.body ?? ''));
    } catch (error) {
      // What API Gateway answers when the integration itself fails.
      process.stderr.write(`local http api: ${(error as Error).stack ?? String(error)}\n`);
      send(response, 500, { message: 'Internal Server Error' });
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve(server));
  });
}

function buildEvent(
  request: IncomingMessage,
  url: URL,
  body: Buffer,
  route: RouteDefinition,
  pathParameters: Record<string, string>,
  claims: Record<string, string> | undefined,
  requestId: string,
): APIGatewayProxyEventV2WithJWTAuthorizer {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined && name !== 'cookie') headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  const contentType = headers['content-type'] ?? 'application/json';
  const isText = TEXT_CONTENT.test(contentType);
  const now = new Date();
  return {
    version: '2.0',
    routeKey: routeKey(route),
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    cookies: request.headers.cookie?.split(/;\s*/),
    headers,
    queryStringParameters: Object.keys(query).length > 0 ? query : undefined,
    pathParameters: Object.keys(pathParameters).length > 0 ? pathParameters : undefined,
    body: body.length > 0 ? (isText ? body.toString('utf8') : body.toString('base64')) : undefined,
    isBase64Encoded: body.length > 0 && !isText,
    stageVariables: undefined,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: routeKey(route),
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims: claims ?? {}, scopes: [] } },
    },
  };
}
