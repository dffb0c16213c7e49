/**
 * Actions to run once when a long-lived signal aborts (the gateway
 * stopping), behind a single listener on that signal however many are
 * registered. One listener per open longpoll would pile up on the signal
 * with the feeds held open (Node warns past 10, MaxListenersExceededWarning).
 */
export class StopActions {
  private readonly actions = new Set<() => void>();

  constructor(readonly signal: AbortSignal) {
    signal.addEventListener(
      'abort',
      () => {
        const due = [...this.actions];
        this.actions.clear();
        for (const action of due) action();
      },
      { once: true },
    );
  }

  /** Runs `action` when the signal aborts; the function returned forgets it (call it when the work ends). */
  add(action: () => void): () => void {
    this.actions.add(action);
    return () => {
      this.actions.delete(action);
    };
  }

  /** Actions waiting for the signal. */
  get size(): number {
    return this.actions.size;
  }
}
