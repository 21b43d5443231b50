/**
 * Event bus throughput: ns per event and events/s for 0, 1 and 10 subscribers with trivial sync
 * handlers, median of 5 runs after a warm-up. With subscribers the time covers publish AND delivery:
 * events are published in batches of {@link BATCH} and the bus is drained after each batch, so no event is
 * dropped and the figure is what a run pays for its events to reach every handler.
 *
 * Run: `npx tsx test/bench/bus-throughput.ts`
 */
import { pathToFileURL } from 'node:url';
import { EventBus } from '../../src/events/bus.js';
import type { UniversalEvent } from '../../src/events/types.js';

const BATCH = 1000;
const RUNS = 5;
const TYPES = ['run.started', 'step.started', 'hook.decided', 'step.completed', 'loop.iteration', 'step.failed'];
// Every pattern matches every (two-segment) type above, each through a different compiled glob.
const PATTERNS = ['**', '*.*', '*.**', '**.*', '?*.*', '*.?*', '**.**', '?*.?*', '*?.*', '*.*?'];

function makeEvents(n: number): UniversalEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `bench:${i + 1}`,
    type: TYPES[i % TYPES.length] as string,
    time: new Date(i).toISOString(),
    seq: i + 1,
    runId: 'bench',
    correlationId: 'bench',
    source: { component: 'bench', language: 'js' as const },
    data: { path: `s${i}`, attempt: 1 },
    schemaVersion: 1 as const,
  }));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** One timed run: ns per event for `total` events through a fresh bus with `subscribers` handlers. */
async function runOnce(subscribers: number, total: number, events: UniversalEvent[]): Promise<number> {
  const bus = new EventBus();
  let handled = 0;
  const handler = (): void => {
    handled++;
  };
  for (let s = 0; s < subscribers; s++) bus.subscribe(PATTERNS[s % PATTERNS.length] as string, handler);
  const start = process.hrtime.bigint();
  if (subscribers === 0) {
    for (let i = 0; i < total; i++) bus.publish(events[i % BATCH] as UniversalEvent);
  } else {
    for (let done = 0; done < total; done += BATCH) {
      for (let i = 0; i < BATCH; i++) bus.publish(events[i] as UniversalEvent);
      await bus.drain();
    }
  }
  const ns = Number(process.hrtime.bigint() - start) / total;
  if (handled !== total * subscribers) throw new Error(`bench: expected ${total * subscribers} deliveries, got ${handled}`);
  return ns;
}

/** Publish throughput with 0, 1 and 10 subscribers (median of 5 runs). */
export async function benchBus(opts: { events?: number } = {}): Promise<Array<{ scenario: string; nsPerEvent: number; eventsPerSec: number }>> {
  const events = makeEvents(BATCH);
  const base = opts.events ?? 200_000;
  const results: Array<{ scenario: string; nsPerEvent: number; eventsPerSec: number }> = [];
  for (const [scenario, subscribers, total] of [
    ['0 subscribers', 0, base * 10],
    ['1 subscriber', 1, base],
    ['10 subscribers', 10, Math.max(BATCH, base / 5)],
  ] as const) {
    const rounded = Math.max(BATCH, Math.round(total / BATCH) * BATCH);
    await runOnce(subscribers, rounded, events); // warm-up: let the JIT settle before timing
    const samples: number[] = [];
    for (let r = 0; r < RUNS; r++) samples.push(await runOnce(subscribers, rounded, events));
    const nsPerEvent = median(samples);
    results.push({ scenario, nsPerEvent, eventsPerSec: 1e9 / nsPerEvent });
  }
  return results;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await benchBus()) {
    console.log(`${r.scenario.padEnd(16)} ${r.nsPerEvent.toFixed(1).padStart(9)} ns/event ${Math.round(r.eventsPerSec).toLocaleString('en-US').padStart(14)} events/s`);
  }
}
