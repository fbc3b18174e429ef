/**
 * The domain's errors: what went wrong, in the caller's terms, without any HTTP status. Every one of
 * them is meant for the caller, so its message never holds anything internal; the HTTP layer maps
 * each kind to its status in one place (`functions/http/errors.ts`). Any other error is a bug or an
 * outage, and the caller learns only that something failed.
 */
export interface FieldError {
  path: string;
  message: string;
}

export abstract class DomainError extends Error {
  /** Which fields were wrong, when the input was. */
  readonly errors: FieldError[] | undefined;

  constructor(message: string, errors?: FieldError[]) {
    super(message);
    this.name = new.target.name;
    this.errors = errors;
  }
}

/** The input breaks a rule (a field, a name, a combination): nothing was changed. */
export class InvalidInputError extends DomainError {}

/** The caller may not do this, or their identity does not name one org. */
export class ForbiddenError extends DomainError {
  constructor(message = 'access denied') {
    super(message);
  }
}

/** The object does not exist, or not in the caller's org. */
export class NotFoundError extends DomainError {}

/** The object's current state forbids the change (a name taken, a plan already applied, a cluster of another org). */
export class ConflictError extends DomainError {}

/** The input, or what it would store, is over a documented limit; the message names the limit. */
export class TooLargeError extends DomainError {}

/** The input is well formed but the object it names cannot be worked on (e.g. a cluster the service cannot reach). */
export class UnprocessableError extends DomainError {}

/** A backend did not answer before the request's deadline and nothing was changed: safe to try again. */
export class DeadlineExceededError extends DomainError {
  constructor(message = 'a backend did not answer in time and nothing was changed; try again') {
    super(message);
  }
}

/** The deadline passed after a change may have been committed: the caller must look before retrying. */
export class OutcomeUnknownError extends DomainError {
  constructor(message = 'a backend did not answer in time after a change may have been committed: the outcome is unknown; read the object again to see whether the change was made') {
    super(message);
  }
}

/**
 * A stored secret could not be decrypted (its key is unavailable, or it was moved from the item it
 * was sealed for). The message names the resource and connection, never the stored value.
 */
export class SecretUnreadableError extends DomainError {}
