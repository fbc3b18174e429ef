import type * as z from 'zod';
import type { OperationId } from './routes';
import { errorResponse } from './schemas/common';
import {
  credentialsResponse,
  resourceCreateInput,
  resourceListQuery,
  resourcePage,
  resourceParams,
  resourceResponse,
  resourceUpdateInput,
  roleInput,
  roleParams,
  roleResponse,
  roleUpdateInput,
} from './schemas/resources';
import {
  applyRequest,
  applyResult,
  applyResults,
  batchApplyRequest,
  batchPlanRequest,
  planRequest,
  planResult,
  planResults,
} from './schemas/provisioning';
import { sessionListQuery, sessionPage, sessionParams, sessionResponse } from './schemas/sessions';
import { createJobRequest, dbRoleJob, jobCreated, jobListQuery, jobPage, jobParams } from './schemas/dbroles';

/**
 * What each operation accepts and answers. The same schemas validate requests in the handlers and
 * generate the OpenAPI document, so the two cannot disagree.
 */
export interface OperationContract {
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
}

const errors = {
  400: { description: 'Invalid body, query or path', schema: errorResponse },
  401: { description: 'No or bad token', schema: errorResponse },
  403: { description: 'Authenticated but not allowed', schema: errorResponse },
} as const;
const notFound = { 404: { description: 'Not found (or of another org)', schema: errorResponse } } as const;
const conflict = (description: string) => ({ 409: { description, schema: errorResponse } }) as const;
const tooLarge = (description: string) => ({ 413: { description, schema: errorResponse } }) as const;
const BODY_LIMIT = 'The body is over 10 MB, API Gateway\'s limit (`Request Entity Too Large`)';
/** Every route with a body. */
const bodyTooLarge = tooLarge(BODY_LIMIT);
/** Routes that store what they are given: DynamoDB's limits too. */
const writeTooLarge = tooLarge(`${BODY_LIMIT}; or an item it would store is over 400 KB, or the write over 4 MB (DynamoDB's limits; the message names it)`);

export const contracts = {
  getOpenApiDocument: {
    responses: { 200: { description: 'The OpenAPI 3 document' } },
  },
  createResource: {
    body: resourceCreateInput,
    responses: {
      201: { description: 'Created, with its roles', schema: resourceResponse },
      ...errors,
      ...writeTooLarge,
      ...conflict('Resource name or a role name already exists in the org'),
    },
  },
  listResources: {
    query: resourceListQuery,
    responses: { 200: { description: 'A page of resources, by name', schema: resourcePage }, ...errors },
  },
  getResource: {
    params: resourceParams,
    responses: { 200: { description: 'The resource', schema: resourceResponse }, ...errors, ...notFound },
  },
  updateResource: {
    params: resourceParams,
    body: resourceUpdateInput,
    responses: {
      200: { description: 'Updated', schema: resourceResponse },
      ...errors,
      ...notFound,
      ...writeTooLarge,
      ...conflict('New name taken, or type/subtype change while roles exist'),
    },
  },
  deleteResource: {
    params: resourceParams,
    responses: { 204: { description: 'Deleted' }, ...errors, ...notFound, ...conflict('The resource still has roles') },
  },
  createRole: {
    params: resourceParams,
    body: roleInput,
    responses: {
      201: { description: 'Created', schema: roleResponse },
      ...errors,
      ...notFound,
      ...writeTooLarge,
      ...conflict('Role name already exists in the org'),
    },
  },
  updateRole: {
    params: roleParams,
    body: roleUpdateInput,
    responses: { 200: { description: 'Updated', schema: roleResponse }, ...errors, ...notFound, ...writeTooLarge },
  },
  deleteRole: {
    params: roleParams,
    responses: { 204: { description: 'Deleted' }, ...errors, ...notFound },
  },
  revealRoleCredentials: {
    params: roleParams,
    responses: {
      200: { description: 'Secret values, recorded as a `reveal` audit session', schema: credentialsResponse },
      ...errors,
      ...notFound,
    },
  },
  planResourceRole: {
    params: resourceParams,
    body: planRequest,
    responses: {
      200: { description: 'The plan (status failed with a message when a scope or the source role does not exist)', schema: planResult },
      ...errors,
      ...notFound,
      ...writeTooLarge,
      422: { description: 'The resource is not a provisionable PostgreSQL (names the missing env vars)', schema: errorResponse },
    },
  },
  planResourceRoles: {
    body: batchPlanRequest,
    responses: { 200: { description: 'One result per item, in item order', schema: planResults }, ...errors, ...bodyTooLarge },
  },
  applyResourcePlan: {
    params: resourceParams,
    body: applyRequest,
    responses: {
      200: { description: 'success, skipped (the plan was in sync) or failed', schema: applyResult },
      ...errors,
      ...notFound,
      ...bodyTooLarge,
      ...conflict('The plan expired, was applied already, failed, or the database drifted since'),
      422: { description: 'The resource is not a provisionable PostgreSQL', schema: errorResponse },
    },
  },
  applyResourcePlans: {
    body: batchApplyRequest,
    responses: { 200: { description: 'One result per item, in item order', schema: applyResults }, ...errors, ...bodyTooLarge },
  },
  getSession: {
    params: sessionParams,
    responses: { 200: { description: 'The audit session', schema: sessionResponse }, ...errors, ...notFound },
  },
  listSessions: {
    query: sessionListQuery,
    responses: { 200: { description: 'A page of sessions, newest first', schema: sessionPage }, ...errors },
  },
  createDbRoleJob: {
    body: createJobRequest,
    responses: {
      202: { description: 'The job was recorded and its workflow started (or, for a database already being provisioned, the job ended failed)', schema: jobCreated },
      ...errors,
      ...notFound,
      ...bodyTooLarge,
      ...conflict('The cluster belongs to another organization (`cluster is managed by another organization`); nothing was recorded'),
      422: { description: 'Not an Aurora PostgreSQL cluster the Data API can reach (the reason is given), or Vault asked for but not configured', schema: errorResponse },
    },
  },
  listDbRoleJobs: {
    query: jobListQuery,
    responses: { 200: { description: 'A page of jobs, newest first', schema: jobPage }, ...errors },
  },
  getDbRoleJob: {
    params: jobParams,
    responses: { 200: { description: 'The job', schema: dbRoleJob }, ...errors, ...notFound },
  },
} as const satisfies Record<OperationId, OperationContract>;

export type Contracts = typeof contracts;

type Parsed<C, K extends 'params' | 'query' | 'body'> = C extends Record<K, infer S extends z.ZodType>
  ? z.output<S>
  : undefined;

/** The validated input of an operation, typed from its contract. */
export interface OperationRequest<Id extends OperationId> {
  params: Parsed<Contracts[Id], 'params'>;
  query: Parsed<Contracts[Id], 'query'>;
  body: Parsed<Contracts[Id], 'body'>;
}
