import { describe, expect, it } from 'vitest';
import * as core from '../../../functions/core/errors';
import { httpAnswerOf, UnauthorizedError } from '../../../functions/http/errors';

describe('httpAnswerOf', () => {
  it.each([
    [new core.InvalidInputError('bad', [{ path: 'name', message: 'required' }]), 400],
    [new UnauthorizedError(), 401],
    [new core.ForbiddenError(), 403],
    [new core.NotFoundError('resource not found'), 404],
    [new core.ConflictError('taken'), 409],
    [new core.TooLargeError('too large'), 413],
    [new core.UnprocessableError('cannot'), 422],
    [new core.DeadlineExceededError(), 503],
    [new core.OutcomeUnknownError(), 504],
  ])('answers %s with %i and its own message', (error, status) => {
    // Act
    const answer = httpAnswerOf(error);

    // Assess
    expect(answer?.statusCode).toBe(status);
    expect(answer?.body.message).toBe(error.message);
  });

  it('maps every domain error kind the core defines', () => {
    // Prepare: every exported class of the core's errors module
    const kinds = Object.values(core).filter((value) => typeof value === 'function' && value.prototype instanceof core.DomainError) as unknown as (new (message: string) => core.DomainError)[];

    // Act
    const unmapped = kinds.filter((Kind) => httpAnswerOf(new Kind('x')) === undefined).map((Kind) => Kind.name);

    // Assess
    expect(kinds.length).toBeGreaterThanOrEqual(8);
    expect(unmapped).toEqual([]);
  });

  it('tells the caller which fields were wrong, and that a retry after a deadline is safe', () => {
    // Act
    const invalid = httpAnswerOf(new core.InvalidInputError('invalid request body', [{ path: 'name', message: 'required' }]));
    const late = httpAnswerOf(new core.DeadlineExceededError());

    // Assess
    expect(invalid?.body).toEqual({ message: 'invalid request body', errors: [{ path: 'name', message: 'required' }] });
    expect(late?.headers).toEqual({ 'retry-after': '5' });
  });

  it('exposes nothing of any other error (the handler answers a generic 500)', () => {
    // Act, Assess
    expect(httpAnswerOf(new Error('connect ECONNREFUSED 10.0.0.1:5432'))).toBeUndefined();
    expect(httpAnswerOf(Object.assign(new Error('x'), { statusCode: 400, expose: true }))).toBeUndefined();
    expect(httpAnswerOf('a string')).toBeUndefined();
  });
});
