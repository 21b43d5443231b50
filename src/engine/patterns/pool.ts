/**
 * Runs `n` branches with at most `limit` in flight; a branch starts as soon as a slot frees up.
 *
 * Bounded runs are scheduled on p-queue, one queue task per *slot* (a worker that pulls the next branch
 * index), not one per branch: p-queue costs ~15 µs per task and its priority-queue insertion grows
 * superlinearly with queue length (measured: 1k tasks 25-50 ms, 100k tasks 1.8-3 s), while the worker
 * scheme keeps its queue at `limit` tasks. Unbounded runs (limit >= n) need no queue at all.
 * `run` must not reject: branch errors are collected by the caller.
 */
import PQueue from 'p-queue';

export async function runPool(n: number, limit: number, run: (index: number) => Promise<void>): Promise<void> {
  if (n === 0) return;
  if (limit >= n) {
    const all: Array<Promise<void>> = new Array<Promise<void>>(n);
    for (let i = 0; i < n; i++) all[i] = run(i);
    await Promise.all(all);
    return;
  }
  const queue = new PQueue({ concurrency: limit });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      await run(i);
    }
  };
  const workers: Array<Promise<void>> = [];
  for (let w = 0; w < limit; w++) workers.push(queue.add(worker));
  await Promise.all(workers);
}
