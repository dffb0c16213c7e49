// @ts-check
import { formatChildLine } from './childLog.mjs';
import { describeExit, startChild } from './childProcess.mjs';

/** A child that takes longer than this to stop is named while the supervisor waits for it. */
const SLOW_STOP_MS = 1_000;

/** How messages name each child. */
export const TITLES = /** @type {const} */ ({ store: 'embedded store', gateway: 'gateway', worker: 'sync worker' });
/** @typedef {keyof typeof TITLES} Label */

/**
 * The children of one `npm start`, in start order. Reports the first one
 * that exits on its own, and stops them in reverse order.
 */
export class ChildGroup {
  /** @type {Array<{ label: Label, child: import('./childProcess.mjs').Child }>} */
  #members = [];
  #stopping = false;
  #onUnexpectedExit;

  /** @param {(label: Label, exit: import('./childProcess.mjs').ChildExit) => void} onUnexpectedExit */
  constructor(onUnexpectedExit) {
    this.#onUnexpectedExit = onUnexpectedExit;
  }

  get size() {
    return this.#members.length;
  }

  /**
   * Starts `node <entry> ...args`; its output goes to stderr, prefixed with the label.
   * @param {Label} label
   * @param {string} entry
   * @param {string[]} args
   * @param {NodeJS.ProcessEnv} env
   */
  launch(label, entry, args, env) {
    const child = startChild({ label, entry, args, env, onLine: (name, line) => process.stderr.write(`${formatChildLine(name, line)}\n`) });
    this.#members.push({ label, child });
    void child.exited.then((exit) => {
      if (!this.#stopping) this.#onUnexpectedExit(label, exit);
    });
  }

  /** Titles of the children still running, in the order they will be stopped. */
  runningTitles() {
    return this.#members
      .filter(({ child }) => child.running())
      .map(({ label }) => TITLES[label])
      .reverse();
  }

  /** @param {NodeJS.Signals} signal */
  signalAll(signal) {
    for (const { child } of this.#members) child.signal(signal);
  }

  /**
   * Stops the children one by one, last started first, each with SIGTERM and
   * then SIGKILL after `graceMs`. Reports each stop on stdout, and names a
   * child that is slow to stop (its own log lines say what it waits for).
   * @param {number} graceMs
   * @param {Label | undefined} crashed  the child whose exit is already reported
   * @returns {Promise<string[]>} the other children that did not stop cleanly, described
   */
  async stopInReverse(graceMs, crashed) {
    this.#stopping = true;
    /** @type {string[]} */
    const unclean = [];
    for (const { label, child } of [...this.#members].reverse()) {
      if (label === crashed) continue;
      const slow = setTimeout(
        () => process.stdout.write(`  waiting for the ${TITLES[label]} to stop (killed after ${Math.round(graceMs / 1000)} s)\n`),
        SLOW_STOP_MS,
      );
      const exit = await child.stop(graceMs).finally(() => clearTimeout(slow));
      if (exit.code === 0) process.stdout.write(`  ${TITLES[label]} stopped\n`);
      else unclean.push(`the ${TITLES[label]} (${describeExit(exit)})`);
    }
    return unclean;
  }
}
