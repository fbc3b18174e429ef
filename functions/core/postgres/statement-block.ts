import { quoteLiteral } from './identifiers';

/**
 * Statements sent as one PL/pgSQL `DO` block, so that a database's statements cost one Data API call
 * (a round trip each would make the call count the apply's time). Each statement travels as a
 * literal (`quoteLiteral`) and runs with EXECUTE, exactly as if it had been sent alone, in order, in
 * the caller's transaction. A failure is raised again with its SQLSTATE and its message, followed by
 * which statement failed and its text, so that the caller's error (redacted like any other) names it.
 * One exception block around the loop: one subtransaction for the lot, not one per statement.
 * `guard`: PL/pgSQL lines run first, outside that handler (a lock, a check that raises its own error).
 */
export function statementBlock(statements: readonly string[], guard: readonly string[] = []): string {
  return plpgsqlBlock(`
DECLARE
  statements text[] := ARRAY[${statements.map((statement) => quoteLiteral(statement)).join(',\n    ')}]::text[];
  running int := 0;
BEGIN
${guard.join('\n')}
  BEGIN
    FOR next_statement IN 1 .. cardinality(statements) LOOP
      running := next_statement;
      EXECUTE statements[running];
    END LOOP;
  EXCEPTION WHEN OTHERS THEN
    RAISE EXCEPTION USING ERRCODE = SQLSTATE,
      MESSAGE = format('%s (statement %s of %s: %s)', SQLERRM, running, cardinality(statements), statements[running]);
  END;
END
`);
}

/**
 * Any PL/pgSQL as one `DO` statement. Callers build the body from quoted identifiers and literals
 * only (`quoteLiteral`, `quoteIdentifier`), as every statement of the provisioning is built.
 */
export function plpgsqlBlock(body: string): string {
  return `DO ${dollarQuote(body)}`;
}

/** The body between dollar quotes whose tag occurs nowhere in it, so nothing inside can end it. */
function dollarQuote(body: string): string {
  let tag = '$block$';
  for (let suffix = 1; body.includes(tag); suffix++) tag = `$block${suffix}$`;
  return `${tag}${body}${tag}`;
}
