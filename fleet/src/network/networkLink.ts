import { observeBody } from './observeBody.js';

/**
 * The simulated radio of one device: while it is off, every request fails at
 * once with the TypeError Node's fetch throws when the network is down, and
 * switching it off breaks the requests under way (a live longpoll included,
 * body and all) the same way, as losing the network does.
 */
export class NetworkLink {
  private up = true;
  private readonly inFlight = new Set<AbortController>();
  /** Requests refused or broken because the link was down. */
  failures = 0;

  get online(): boolean {
    return this.up;
  }

  setOnline(online: boolean): void {
    if (online === this.up) return;
    this.up = online;
    if (online) return;
    const broken = [...this.inFlight];
    this.inFlight.clear();
    this.failures += broken.length;
    for (const controller of broken) controller.abort(offlineError('the network was lost during the request'));
  }

  /** `inner`, cut off while the link is down. */
  wrap(inner: typeof fetch): typeof fetch {
    return async (input, init) => {
      if (!this.up) {
        this.failures += 1;
        throw offlineError('the device is offline');
      }
      const controller = new AbortController();
      this.inFlight.add(controller);
      const release = (): boolean => this.inFlight.delete(controller);
      const signal = init?.signal ? AbortSignal.any([init.signal, controller.signal]) : controller.signal;
      try {
        const response = await inner(input, { ...init, signal });
        // The request stays breakable until its body is over.
        return observeBody(response, { end: release });
      } catch (err) {
        release();
        throw err;
      }
    };
  }
}

/** What undici's fetch throws when it cannot connect: a TypeError "fetch failed" with the reason as its cause. */
export function offlineError(reason: string): TypeError {
  return new TypeError('fetch failed', { cause: new Error(`simulated network failure: ${reason}`) });
}
