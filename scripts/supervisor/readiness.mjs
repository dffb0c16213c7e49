// @ts-check
import { setTimeout as sleep } from 'node:timers/promises';
import { StartError } from './startError.mjs';

const POLL_MS = 200;
const REQUEST_TIMEOUT_MS = 2_000;

/**
 * True when GET `url` answers 2xx.
 * @param {string} url
 * @param {Record<string, string>} [headers]
 */
export async function answersOk(url, headers = {}) {
  try {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Polls `isReady` until it answers true. Gives up when `halt` aborts (a
 * signal, or a child that stopped) or after `timeoutMs`.
 * @param {{ label: string, isReady: () => Promise<boolean>, timeoutMs: number, halt: AbortSignal }} options
 */
export async function waitUntilReady({ label, isReady, timeoutMs, halt }) {
  const deadline = AbortSignal.timeout(timeoutMs);
  for (;;) {
    if (halt.aborted) throw new StartError('interrupted', `start-up of the ${label} was cut short`);
    if (await isReady()) return;
    if (deadline.aborted) {
      throw new StartError('not_ready', `the ${label} was not ready within ${Math.round(timeoutMs / 1000)} s; its messages above say why`);
    }
    await sleep(POLL_MS, undefined, { signal: halt }).catch(() => {});
  }
}
