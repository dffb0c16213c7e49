/** The client of a password check left before its turn came: the check was not run. */
export class ClientGoneError extends Error {
  constructor() {
    super('the client went away before its password was checked');
    this.name = 'ClientGoneError';
  }
}

/**
 * Runs at most `size` password hashes at once, first come first served. A
 * hash handed straight to libuv queues there out of reach; waiting here, one
 * whose client has gone (timed out, retrying) is dropped when its turn comes
 * instead of costing the server a hash nobody will read.
 */
export class HashSlots {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(size: number) {
    this.free = size;
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.free > 0) this.free -= 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      if (signal?.aborted) throw new ClientGoneError();
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free += 1;
    }
  }
}
