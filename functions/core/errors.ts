/**
 * Errors that carry their HTTP status. Following middy's rule, an error below 500 is exposed to the
 * caller as it is; anything else becomes a generic 500 with nothing internal in it.
 */
export interface FieldError {
  path: string;
  message: string;
}

export class HttpError extends Error {
  readonly statusCode: number;
  readonly expose: boolean;
  readonly errors: FieldError[] | undefined;
  /** Extra response headers (e.g. `Retry-After`). */
  readonly headers: Record<string, string>;

  constructor(statusCode: number, message: string, errors?: FieldError[], options: { expose?: boolean; headers?: Record<string, string> } = {}) {
    super(message);
    this.name = new.target.name;
    this.statusCode = statusCode;
    this.expose = options.expose ?? statusCode < 500;
    this.errors = errors;
    this.headers = options.headers ?? {};
  }
}

export class BadRequestError extends HttpError {
  constructor(message: string, errors?: FieldError[]) {
    super(400, message, errors);
  }
}

export class UnauthorizedError extends HttpError {
  constructor(message = 'Unauthorized') {
    super(401, message);
  }
}

export class ForbiddenError extends HttpError {
  constructor(message = 'access denied') {
    super(403, message);
  }
}

export class NotFoundError extends HttpError {
  constructor(message: string) {
    super(404, message);
  }
}

export class ConflictError extends HttpError {
  constructor(message: string) {
    super(409, message);
  }
}

/** The body, or what it would store, is over a documented limit; the message names the limit. */
export class PayloadTooLargeError extends HttpError {
  constructor(message: string) {
    super(413, message);
  }
}

export class UnprocessableError extends HttpError {
  constructor(message: string) {
    super(422, message);
  }
}

/**
 * A backend did not answer before the request's deadline and nothing was changed: safe to try again.
 * Exposed (unlike other 5xx), since the caller must know that a retry is safe.
 */
export class DeadlineExceededError extends HttpError {
  constructor(message = 'a backend did not answer in time and nothing was changed; try again') {
    super(503, message, undefined, { expose: true, headers: { 'retry-after': '5' } });
  }
}

/** The deadline passed after a change may have been committed: the caller must look before retrying. */
export class OutcomeUnknownError extends HttpError {
  constructor(message = 'a backend did not answer in time after a change may have been committed: the outcome is unknown; read the object again to see whether the change was made') {
    super(504, message, undefined, { expose: true });
  }
}
