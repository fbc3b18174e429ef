/**
 * A value (a schema, a contract) built by its first use, then kept. Each function builds only the
 * schemas of the requests it serves, when it serves them: a cold GET builds its path parameters, not
 * a POST's body (building zod schemas is a good part of a cold start). The OpenAPI document builds
 * them all.
 */
export function builtOnFirstUse<Value>(build: () => Value): () => Value {
  let value: Value | undefined;
  return () => {
    value ??= build();
    return value;
  };
}
