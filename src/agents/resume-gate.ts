/**
 * Coordination between the session's driving loop and callers of pause()/resume()/terminate():
 * a gate the paused loop waits on, and waiters for states.
 */

/**
 * The gate a paused loop waits behind. `open()` before anyone waits is remembered, so a resume() that
 * races ahead of the loop is not lost; `reset()` forgets it when the session leaves `paused`.
 */
export class ResumeGate {
  private opener: (() => void) | undefined;
  private early = false;

  /** Lets the waiting loop continue (or the next wait pass at once). */
  open(): void {
    if (this.opener) this.opener();
    else this.early = true;
  }

  /** Forgets an early open(). */
  reset(): void {
    this.early = false;
  }

  /** Resolves on open(); rejects with `cancelled()` when `signal` aborts first. */
  wait(signal: AbortSignal, cancelled: () => Error): Promise<void> {
    if (this.early) {
      this.early = false;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.opener = undefined;
        reject(cancelled());
      };
      if (signal.aborted) return onAbort();
      this.opener = () => {
        this.opener = undefined;
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** Promises that resolve when a state predicate holds (checked after each transition) or on flush(). */
export class StateWaiters<S> {
  private waiters: Array<{ done: (s: S) => boolean; resolve: () => void }> = [];

  /** Resolves at once when `done(current)`, else after the first notify() for which it holds. */
  until(current: S, done: (s: S) => boolean): Promise<void> {
    if (done(current)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ done, resolve }));
  }

  /** Reports the new state. */
  notify(state: S): void {
    if (this.waiters.length === 0) return;
    const keep: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (w.done(state)) w.resolve();
      else keep.push(w);
    }
    this.waiters = keep;
  }

  /** Resolves everyone (the run ended; no further state will come from it). */
  flush(): void {
    const all = this.waiters;
    this.waiters = [];
    for (const w of all) w.resolve();
  }
}
