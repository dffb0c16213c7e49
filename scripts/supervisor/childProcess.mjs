// @ts-check
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const EXIT_WITH_PARENT = new URL('./exitWithParent.mjs', import.meta.url).href;

/**
 * @typedef {object} ChildExit
 * @property {number | null} code
 * @property {NodeJS.Signals | null} signal
 * @property {Error} [error] set when the process could not be started at all
 */

/**
 * @typedef {object} Child
 * @property {string} label  what messages call it ("store", "gateway", "worker")
 * @property {number | undefined} pid
 * @property {Promise<ChildExit>} exited
 * @property {() => boolean} running
 * @property {(graceMs: number) => Promise<ChildExit>} stop  SIGTERM, then SIGKILL after graceMs
 * @property {(signal: NodeJS.Signals) => void} signal  sends the signal if the child still runs
 */

/**
 * Starts `node <entry> [...args]` as a child of the supervisor. The child
 * gets its own process group (a terminal's Ctrl-C reaches only the
 * supervisor, which then stops the children in order) and an IPC pipe that
 * stops it when the supervisor dies (exitWithParent.mjs). Each output line
 * goes to `onLine`.
 * @param {{ label: string, entry: string, args?: string[], env: NodeJS.ProcessEnv, onLine: (label: string, line: string) => void }} options
 * @returns {Child}
 */
export function startChild({ label, entry, args = [], env, onLine }) {
  const child = spawn(process.execPath, ['--import', EXIT_WITH_PARENT, entry, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    detached: true,
  });
  let ended = false;
  /** @type {Promise<ChildExit>} */
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      ended = true;
      resolve({ code, signal });
    });
    child.once('error', (error) => {
      // 'error' without 'exit' means the process never ran.
      if (child.pid === undefined) {
        ended = true;
        resolve({ code: null, signal: null, error });
      }
    });
  });
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => onLine(label, line));
  }

  const running = () => !ended;
  /** @param {NodeJS.Signals} name */
  const send = (name) => {
    if (running()) child.kill(name);
  };
  return {
    label,
    pid: child.pid,
    exited,
    running,
    stop(graceMs) {
      send('SIGTERM');
      const timer = setTimeout(() => send('SIGKILL'), graceMs);
      return exited.finally(() => clearTimeout(timer));
    },
    signal: send,
  };
}

/**
 * "exit code 1", "killed by SIGKILL", ...
 * @param {ChildExit} exit
 */
export function describeExit(exit) {
  if (exit.error) return `could not be started: ${exit.error.message}`;
  if (exit.signal) return `killed by ${exit.signal}`;
  return `exit code ${exit.code}`;
}
