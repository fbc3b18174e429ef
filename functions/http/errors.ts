import { ConflictError, DeadlineExceededError, DomainError, ForbiddenError, InvalidInputError, NotFoundError, OutcomeUnknownError, SecretUnreadableError, TooLargeError, UnprocessableError } from '../core/errors';

/** The request carries no readable, verified bearer token. Only the HTTP layer can tell. */
export class UnauthorizedError extends DomainError {
  constructor(message = 'Unauthorized') {
    super(message);
  }
}

type DomainErrorKind = abstract new (...args: never[]) => DomainError;

/** The one place where a domain error becomes an HTTP status (and, for some, a header). */
const STATUSES: [DomainErrorKind, number, Record<string, string>?][] = [
  [InvalidInputError, 400],
  [UnauthorizedError, 401],
  [ForbiddenError, 403],
  [NotFoundError, 404],
  [ConflictError, 409],
  [TooLargeError, 413],
  [UnprocessableError, 422],
  // Exposed (unlike other 5xx): the caller must know that a retry is safe, or that it must look first.
  [DeadlineExceededError, 503, { 'retry-after': '5' }],
  [OutcomeUnknownError, 504],
  // Exposed: the caller learns which stored secret is unreadable (never its value), and that a retry will not help.
  [SecretUnreadableError, 500],
];

export interface HttpErrorAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: { message: string; errors?: DomainError['errors'] };
}

/**
 * What the caller is told of an error: a domain error in the spec's shape with its status; anything
 * else (a kind missing from the table included) is `undefined`, and the handler answers a generic 500 that says nothing internal.
 */
export function httpAnswerOf(error: unknown): HttpErrorAnswer | undefined {
  const mapped = error instanceof DomainError ? STATUSES.find(([kind]) => error instanceof kind) : undefined;
  if (!mapped || !(error instanceof DomainError)) return undefined;
  const [, statusCode, headers = {}] = mapped;
  return { statusCode, headers, body: { message: error.message, ...(error.errors ? { errors: error.errors } : {}) } };
}
