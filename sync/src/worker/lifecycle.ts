/**
 * A part of a process with its own start and stop. The shape of the service
 * kit's Component and Lifecycle: the worker keeps this copy only until the
 * kit is on this branch, then imports the kit's instead.
 */
export interface Component {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts components in the order added and stops them in reverse, each once.
 * A failed start stops those already started (the failing one cleans up after
 * itself) and rejects with the start's error.
 */
export class Lifecycle {
  private readonly components: Component[] = [];
  private readonly started: Component[] = [];
  private stopping: Promise<void> | undefined;

  add(...components: Component[]): this {
    this.components.push(...components);
    return this;
  }

  async start(): Promise<void> {
    for (const component of this.components) {
      if (this.stopping) return;
      try {
        await component.start();
      } catch (err) {
        await this.stop();
        throw err;
      }
      this.started.push(component);
    }
  }

  /** Stops what started, last first; a stop that fails does not keep the others running (its error is thrown at the end). */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      let firstError: unknown;
      for (const component of this.started.splice(0).reverse()) {
        try {
          await component.stop();
        } catch (err) {
          firstError ??= err;
        }
      }
      if (firstError !== undefined) throw firstError;
    })();
    return this.stopping;
  }
}
