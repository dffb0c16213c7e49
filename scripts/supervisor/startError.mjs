// @ts-check

/**
 * A problem that stops `npm start`, with a message a person can act on
 * (what is wrong and which setting fixes it) and a code for tests.
 */
export class StartError extends Error {
  /**
   * @param {'config' | 'not_built' | 'data_dir' | 'port' | 'child_failed' | 'not_ready' | 'interrupted'} code
   * @param {string} message
   * @param {{ cause?: unknown }} [options]
   */
  constructor(code, message, options) {
    super(message, options);
    this.name = 'StartError';
    this.code = code;
  }
}

/** @param {unknown} err */
export const errorText = (err) => (err instanceof Error ? err.message : String(err));
