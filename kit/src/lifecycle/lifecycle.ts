import { silentLogger, type ServiceLogger } from '../logging/serviceLogger.js';
import type { Component } from './component.js';

export interface LifecycleOptions {
  logger?: ServiceLogger;
  /** A stop that takes longer than this is reported, and again every as long, until it ends. */
  reportWaitEveryMs?: number;
}

/**
 * Starts components in the order added and stops them in reverse, each once.
 * A failed start stops those already started, then rethrows.
 */
export class Lifecycle {
  readonly #components: Component[] = [];
  readonly #started: Component[] = [];
  readonly #logger: ServiceLogger;
  readonly #reportEveryMs: number;
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;

  constructor(options: LifecycleOptions = {}) {
    this.#logger = options.logger ?? silentLogger;
    this.#reportEveryMs = options.reportWaitEveryMs ?? 1_000;
  }

  add<C extends Component>(component: C): C {
    if (this.#starting) throw new Error(`cannot add ${component.name}: the lifecycle has already started`);
    this.#components.push(component);
    return component;
  }

  /** Starts every component in order; on a failure stops those started and rethrows the failure. */
  start(): Promise<void> {
    this.#starting ??= this.#startAll();
    return this.#starting;
  }

  /** Stops the started components, last started first, each once; waits for a start in progress. Rejects with the first failure after trying them all. */
  stop(): Promise<void> {
    // A component whose start is under way finishes starting, then stops with the others.
    this.#stopping ??= (this.#starting ?? Promise.resolve()).catch(() => {}).then(() => this.#stopStarted());
    return this.#stopping;
  }

  async #startAll(): Promise<void> {
    for (const component of this.#components) {
      if (this.#stopping) return;
      try {
        await component.start();
      } catch (err) {
        // The caller reports the failure itself (it is rethrown): the log says only what happens next.
        this.#logger.warn({ component: component.name }, `${component.name} failed to start: stopping what started`);
        // A stop already asked for waits for this start to end and then stops the started ones itself.
        if (!this.#stopping) {
          this.#stopping = this.#stopStarted();
          await this.#stopping.catch(() => {});
        }
        throw err;
      }
      this.#started.push(component);
    }
  }

  async #stopStarted(): Promise<void> {
    let failure: unknown;
    for (const component of [...this.#started].reverse()) {
      try {
        await this.#stopReporting(component);
      } catch (err) {
        this.#logger.error({ err, component: component.name }, `${component.name} failed to stop`);
        failure ??= err;
      }
    }
    if (failure !== undefined) throw failure;
  }

  async #stopReporting(component: Component): Promise<void> {
    const report = (): void => {
      const detail = component.pending?.();
      this.#logger.warn({ component: component.name }, `waiting for ${component.name}${detail ? `: ${detail}` : ''}`);
    };
    const timer = setInterval(report, this.#reportEveryMs);
    timer.unref();
    try {
      await component.stop();
    } finally {
      clearInterval(timer);
    }
  }
}
