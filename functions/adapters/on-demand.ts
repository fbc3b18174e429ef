/**
 * A value loaded by its first use and kept for the life of the container; a failed load is not kept,
 * so the next use tries again (and fails as clearly). With `import()` inside, the module and what it
 * bundles are a chunk of their own that a cold start does not load (see infra/bundling.ts).
 */
export function onDemand<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    });
    return loaded;
  };
}
