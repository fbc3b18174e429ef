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

  constructor(statusCode: number, message: string, errors?: FieldError[]) {
    super(message);
    this.name = new.target.name;
    this.statusCode = statusCode;
    this.expose = statusCode < 500;
    this.errors = errors;
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
