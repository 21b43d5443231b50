/**
 * `engine.dueRuns()` / `hookflow resume --due`: runs nobody is carrying on — a suspended run whose signal
 * timeout has passed, a run whose process died — are found and resumed without knowing their ids.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, loadWorkflowText, SqliteStore, type Clock } from '../../src/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dbFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hookflow-due-'));
  dirs.push(dir);
  return join(dir, 'h.db');
}

/** A clock the test moves by hand (timers fire through the real event loop at once). */
function movableClock(start: number): Clock & { now(): number; advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
    setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
    clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof globalThis.setTimeout>),
  };
}

describe('resume of due runs', () => {
  it('a suspended run becomes due when its signal timeout passes, and resuming it applies SIGNAL_TIMEOUT', async () => {
    const file = dbFile();
    const clock = movableClock(Date.parse('2026-11-26T12:00:00Z'));
    const store = SqliteStore.open(file);
    const engine = createEngine({ store, clock });
    const def = loadWorkflowText('hookflow: 1\nname: approve\nsteps:\n  - id: gate\n    wait: { signal: approve, timeout: 1h }\n', '/virtual/approve.yaml');
    const r = await engine.run(def, {});
    expect(r.status).toBe('suspended');
    expect(await engine.dueRuns()).toEqual([]);
    clock.advance(3_600_000 - 1);
    expect(await engine.dueRuns()).toEqual([]);
    clock.advance(1);
    expect(await engine.dueRuns()).toEqual([r.runId]);
    const resumed = await engine.resume(r.runId);
    expect(resumed.status).toBe('failed');
    expect(resumed.error?.code).toBe('SIGNAL_TIMEOUT');
    expect(await engine.dueRuns()).toEqual([]);
    await engine.close();
    store.close();
  });

  it('a run whose owner process is gone is due; one owned by a live process is not', async () => {
    const file = dbFile();
    const store = SqliteStore.open(file);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const first = createEngine({ store, tools: [{ name: 'hold', run: () => gate.then(() => 'held') }] });
    const def = loadWorkflowText('hookflow: 1\nname: held\nsteps:\n  - id: h\n    tool: hold\n', '/virtual/held.yaml');
    let runId = '';
    const running = first.run(def, {}, { runId: 'held-run', onCreated: (id) => void (runId = id) });
    for (let i = 0; i < 100 && (await store.getSteps('held-run')).length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(runId).toBe('held-run');
    // Alive (this process): not due.
    const other = createEngine({ store: SqliteStore.open(file), tools: [{ name: 'hold', run: () => 'carried on' }] });
    expect(await other.dueRuns()).toEqual([]);
    // The owner "dies": its row names a process that does not exist on this host.
    await store.commit('held-run', { run: { owner: `${hostname()}:999999999` } });
    expect(await other.dueRuns()).toEqual(['held-run']);
    const resumed = await other.resume('held-run');
    expect(resumed).toMatchObject({ status: 'completed', output: 'carried on' });
    release();
    // The "dead" owner wakes up: its late writes collide with the journal the resumer wrote (same seqs)
    // and are refused, so the completed run is not overwritten.
    await expect(running).rejects.toMatchObject({ code: 'STORE' });
    expect(await store.getRun('held-run')).toMatchObject({ status: 'completed', output: 'carried on' });
    await other.close();
    await first.close();
    store.close();
  });
});
