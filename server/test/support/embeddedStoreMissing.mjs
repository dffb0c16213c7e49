// @ts-check
// Resolution hook of withoutEmbeddedStore.mjs.

/**
 * @param {string} specifier
 * @param {{ parentURL?: string }} context
 * @param {(specifier: string, context: object) => Promise<unknown>} nextResolve
 */
export async function resolve(specifier, context, nextResolve) {
  if (specifier === '@m2m/embedded-store' || specifier.startsWith('@m2m/embedded-store/')) {
    const err = /** @type {Error & { code: string }} */ (
      new Error(`Cannot find package '@m2m/embedded-store' imported from ${context.parentURL ?? 'the command line'}`)
    );
    err.code = 'ERR_MODULE_NOT_FOUND';
    throw err;
  }
  return nextResolve(specifier, context);
}
