/**
 * A Lambda's dependencies, built on the first invocation (never at import) and kept for the warm container's next
 * invocations. A failed build (a secret or a config the function could not read) is not kept: the next invocation
 * tries again instead of failing until the container is recycled.
 */
export function lazyDeps<T>(make: () => Promise<T>): () => Promise<T> {
  let deps: Promise<T> | undefined;
  return () => {
    deps ??= make().catch((err: unknown) => {
      deps = undefined;
      throw err;
    });
    return deps;
  };
}
