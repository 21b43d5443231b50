/**
 * Cheap abort subscriptions. `AbortSignal.addEventListener` keeps listeners in a list whose removal
 * is linear, so 10,000 concurrent branches each adding and removing a listener on the run's signal
 * cost quadratic time (measured: a 10k fan-out took ~3 s). Here each signal gets one real listener
 * fanning out to a Set: subscribe and unsubscribe are O(1).
 */
const subscribers = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `fn` once when `signal` aborts; returns the unsubscribe function. */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  let set = subscribers.get(signal);
  if (set === undefined) {
    const s = new Set<() => void>();
    set = s;
    subscribers.set(signal, s);
    signal.addEventListener(
      'abort',
      () => {
        for (const f of [...s]) f();
        s.clear();
      },
      { once: true },
    );
  }
  set.add(fn);
  const own = set;
  return () => {
    own.delete(fn);
  };
}

/** A controller whose signal follows `parent` (aborts with its reason) without a listener per child. */
export function childController(parent: AbortSignal): { controller: AbortController; release: () => void } {
  const controller = new AbortController();
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { controller, release: () => undefined };
  }
  const release = onAbort(parent, () => controller.abort(parent.reason));
  return { controller, release };
}
