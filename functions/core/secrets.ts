/**
 * Secrets at rest. Every secret value is sealed (envelope-encrypted) before it is stored and opened
 * only where it is revealed; the store keeps the sealed text. What a sealed value is bound to (its
 * org, resource, connection and field) is part of the seal, so a sealed value copied to another item
 * or field does not open.
 */

/** Where a secret value is stored: it opens only there. */
export interface SecretContext {
  org: string;
  /** The resource's id (stable across renames). */
  resource: string;
  /** The connection's name (the `ROLE#` item), for connection secrets. */
  role?: string;
  /** `env_vars.<key>` or `secret.<key>`. */
  field: string;
}

export interface SecretSealer {
  /** The plaintext encrypted for this context, as `enc:v1:<base64>`. */
  seal(plaintext: string, context: SecretContext): Promise<string>;
  /** The plaintext of a value sealed for this same context; anything else is refused. */
  open(sealed: string, context: SecretContext): Promise<string>;
}

/** Sealed values carry a versioned prefix, so that values stored before encryption still read as they are. */
export const SEALED_PREFIX = 'enc:v1:';

export const isSealed = (value: string): boolean => value.startsWith(SEALED_PREFIX);

/** Seals every value of a map, each bound to its own field. */
export async function sealValues(
  sealer: SecretSealer,
  values: Record<string, string>,
  context: (key: string) => SecretContext,
  which: (key: string, value: string) => boolean = () => true,
): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(values).map(async ([key, value]) => [key, which(key, value) ? await sealer.seal(value, context(key)) : value] as const),
  );
  return Object.fromEntries(entries);
}

/** Opens every sealed value of a map; values stored before encryption are returned as they are. */
export async function openValues(sealer: SecretSealer, values: Record<string, string>, context: (key: string) => SecretContext): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(values).map(async ([key, value]) => [key, isSealed(value) ? await sealer.open(value, context(key)) : value] as const),
  );
  return Object.fromEntries(entries);
}
