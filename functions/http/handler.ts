import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpSecurityHeaders from '@middy/http-security-headers';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import type { GroupRequests, OperationRequest, RequestContract } from './contracts';
import { type HandlerGroup, type OperationId, type RouteDefinition, type routes, routeKey, routesOfGroup } from './routes';
import { config } from '../adapters/config';
import { requestDeadline, withinDeadline } from '../core/deadline';
import { InvalidInputError, NotFoundError } from '../core/errors';
import { httpAnswerOf } from './errors';
import { logger } from '../adapters/logger';
import { authorize, type Principal, principalFromRequest } from './auth';
// Type only: a function without POST routes does not carry the idempotency store in its bundle.
import type { IdempotentRunner } from '../adapters/dynamodb/idempotency';
import { idempotencyKeyOf } from './idempotency-key';
import { builtOnFirstUse } from './first-use';

export type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type HttpResponse = APIGatewayProxyStructuredResultV2;

export interface HttpResult {
  statusCode: number;
  body?: unknown;
}

export interface CallContext {
  /** The caller; on public routes an anonymous principal with no org. */
  caller: Principal;
  requestId: string;
}

export type OperationHandler<Id extends OperationId> = (
  request: OperationRequest<Id>,
  context: CallContext,
) => Promise<HttpResult>;

export type GroupOperations<Group extends HandlerGroup> = {
  [Id in Extract<(typeof routes)[number], { group: Group }>['operationId']]: OperationHandler<Id>;
};

const ANONYMOUS: Principal = { sub: 'anonymous', email: undefined, orgId: '', groups: [], admin: false, auditor: false };

/** How many field errors the top-level message names; all of them are in `errors`. */
const ISSUES_IN_MESSAGE = 3;

/** A field that is absent says so by name ("env_vars is required"), whatever the schema's message for a wrong type. */
function messageOf(issue: z.core.$ZodIssue, path: string): string {
  const missing = (issue.code === 'invalid_type' || issue.code === 'invalid_value') && issue.input === undefined && path !== '';
  return missing ? `${path} is required` : issue.message;
}

// zod/mini loads no locale: the English one gives the messages that schemas do not set themselves.
// (Imported by name: `z.locales.en` would bundle every locale.)
z.config(en());

function validate<S extends z.ZodMiniType>(schema: S, value: unknown, where: string): z.output<S> {
  // `reportInput` puts the offending value on each issue, to tell a missing field; it is not passed on.
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return { path, message: messageOf(issue, path) };
  });
  // The message alone tells what to fix: each field error, prefixed by its path unless it names it already.
  const named = errors.map(({ path, message }) => (path === '' || message.startsWith(path) ? message : `${path}: ${message}`));
  const more = named.length > ISSUES_IN_MESSAGE ? ` (and ${named.length - ISSUES_IN_MESSAGE} more)` : '';
  throw new InvalidInputError(`invalid ${where}: ${named.slice(0, ISSUES_IN_MESSAGE).join('; ')}${more}`, errors);
}

function parseJsonBody(event: HttpEvent): unknown {
  if (event.body === undefined || event.body === null || event.body === '') {
    throw new InvalidInputError('request body is required');
  }
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidInputError('request body is not valid JSON');
  }
}

function parseRequest(contract: RequestContract, event: HttpEvent) {
  return {
    params: contract.params ? validate(contract.params, event.pathParameters ?? {}, 'path parameters') : undefined,
    query: contract.query ? validate(contract.query, event.queryStringParameters ?? {}, 'query') : undefined,
    body: contract.body ? validate(contract.body, parseJsonBody(event), 'request body') : undefined,
  };
}

function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  if (body === undefined) return { statusCode, headers };
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/**
 * Serialises results and errors. As in middy's rule, a domain error is exposed in the spec's shape
 * with the status `http/errors.ts` gives it; anything else is logged and answered with a generic 500
 * that says nothing internal. (`@middy/http-error-handler` would answer the message as text/plain and
 * log through console.error, and `@middy/http-json-body-parser` answers 415 to malformed JSON and to
 * curl's default content type; the contract wants JSON errors and 400s, so neither is used.)
 */
const httpResponder = (): middy.MiddlewareObj<HttpEvent, HttpResponse> => ({
  after: (request) => {
    logger.info('request completed', { route: request.event.routeKey, status: request.response?.statusCode });
  },
  onError: (request) => {
    const answer = httpAnswerOf(request.error);
    if (answer) {
      request.response = jsonResponse(answer.statusCode, answer.body, answer.headers);
      logger.info('request refused', { route: request.event.routeKey, status: answer.statusCode, reason: answer.body.message });
      return;
    }
    logger.error('request failed', { route: request.event.routeKey, error: request.error as Error });
    request.response = jsonResponse(500, { message: 'internal error' });
  },
});

export interface HttpHandlerOptions {
  /** Makes POSTs with an `Idempotency-Key` run once (groups with POST routes pass it). */
  idempotency?: IdempotentRunner;
}

/**
 * One Lambda handler for a handler group: it finds the operation from the route key, checks the
 * caller's claims and access, validates the input with the operation's contract and serialises the
 * result, within the request's deadline and, for a POST with an `Idempotency-Key`, once. The same
 * middy stack serves every HTTP function.
 */
export function createHttpHandler<Group extends HandlerGroup>(requests: GroupRequests<Group>, operations: GroupOperations<Group>, options: HttpHandlerOptions = {}) {
  const { group } = requests;
  const byRouteKey = new Map<string, { route: RouteDefinition; contract: () => RequestContract; run: OperationHandler<OperationId> }>();
  for (const route of routesOfGroup(group)) {
    const run = (operations as Record<string, OperationHandler<OperationId>>)[route.operationId];
    if (!run) throw new Error(`handler group ${group} has no operation ${route.operationId}`);
    if (!(route.operationId in requests.operations)) throw new Error(`handler group ${group} has no request contract for ${route.operationId}`);
    // Read by the route's first request: a contract may build its schemas then (see first-use.ts).
    const contract = builtOnFirstUse(() => (requests.operations as Record<string, RequestContract>)[route.operationId] as RequestContract);
    byRouteKey.set(routeKey(route), { route, contract, run });
  }

  const dispatch = async (event: HttpEvent, context: Context): Promise<HttpResponse> => {
    const entry = byRouteKey.get(event.routeKey);
    if (!entry) throw new NotFoundError('route not found');
    let caller = ANONYMOUS;
    if (entry.route.access !== 'public') {
      caller = principalFromRequest(event, config);
      logger.appendKeys({ org_id: caller.orgId, sub: caller.sub });
      authorize(caller, entry.route.access);
    }
    const request = parseRequest(entry.contract(), event) as OperationRequest<OperationId>;
    // Every SDK call of the operation obeys this deadline, inside API Gateway's 30 s (see commons/deadline).
    const deadline = requestDeadline(context.getRemainingTimeInMillis());
    const run = () => withinDeadline(deadline, () => entry.run(request, { caller, requestId: context.awsRequestId }));
    const idempotency = entry.route.method === 'POST' ? options.idempotency : undefined;
    const key = idempotency ? idempotencyKeyOf(event.headers) : undefined;
    // The idempotency record is kept outside the work's deadline, so that it can still be put right when the work runs out.
    const result =
      idempotency && key
        ? await withinDeadline(deadline.forCleanup(), () => idempotency({ org: caller.orgId, operation: entry.route.operationId, key, request }, context, run))
        : await run();
    return jsonResponse(result.statusCode, result.body);
  };

  return middy<HttpEvent, HttpResponse>(dispatch)
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .use(httpHeaderNormalizer())
    .use(httpSecurityHeaders())
    .use(httpResponder());
}
