import { currentDeadline } from '../core/deadline';
import { DeadlineExceededError, OutcomeUnknownError } from '../core/errors';

type Next = (args: unknown) => Promise<unknown>;
type Middleware = (next: Next, context: { commandName?: string }) => Next;

/** What we need of an AWS SDK v3 client (any service). */
interface SdkClient {
  middlewareStack: { add(middleware: Middleware, options: { step: 'initialize'; name: string }): void; identify(): string[] };
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/** Operations that cannot have committed a change when they are cut short. */
const COMMITS_NOTHING = /^(Get|BatchGet|Query|Scan|Describe|List|BeginTransaction|RollbackTransaction)/;
const NAME = 'requestDeadline';

/**
 * Makes every call of a client obey the deadline of the request it is made for (if any): a call
 * is not started once the deadline has passed, and is aborted when it passes (the abort also
 * stops the SDK's retries). A call cut short becomes a 503 when it cannot have changed anything and
 * a 504 when it may have (the SQL executor refines this for statements inside a transaction).
 * Outside a request (workflow Tasks, events) calls run as configured.
 */
export function boundByDeadline<Client>(client: Client): Client {
  const sdk = client as unknown as SdkClient;
  // A document client shares its base client's middleware stack: add the middleware once.
  if (!sdk.middlewareStack.identify().some((entry) => entry.startsWith(NAME))) {
    sdk.middlewareStack.add(
      (next, context) => async (args) => {
        const deadline = currentDeadline();
        if (!deadline) return next(args);
        if (deadline.expired) throw new DeadlineExceededError();
        try {
          return await next(args);
        } catch (error) {
          if (!deadline.expired) throw error;
          if (COMMITS_NOTHING.test(context.commandName ?? '')) throw new DeadlineExceededError();
          throw new OutcomeUnknownError();
        }
      },
      { step: 'initialize', name: NAME },
    );
  }
  const send = sdk.send.bind(sdk);
  sdk.send = (command, options) => send(command, { ...options, abortSignal: options?.abortSignal ?? currentDeadline()?.signal });
  return client;
}
