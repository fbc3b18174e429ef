/**
 * A value read once and kept for the life of the container: the read starts when the function does
 * (its cold start), and a failed read is tried again by the next caller rather than kept.
 */
export function cachedAtColdStart(read: () => Promise<string>): () => Promise<string> {
  let value: Promise<string> | undefined;
  const start = () => {
    value = read();
    // Seen by the caller that awaits it; unawaited here, it must not end the process as unhandled.
    value.catch(() => {
      value = undefined;
    });
    return value;
  };
  start();
  return () => value ?? start();
}
