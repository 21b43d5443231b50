/**
 * engine.resume through the library API, with crash images (support.ts) taken at chosen instants:
 * what is restored from the journal, what runs again, and the bookkeeping a resumed step must carry over
 * (variables and views of nested steps, retry budgets, cache entries, consumed signals, hook decisions).
 */
import { hostname } from 'node:os';
import { writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEngine, SqliteStore, type HookRegistration } from '../../src/index.js';
import { checkInvariants, crashAndResume, crashImage, keyOf, Lab, logged, plainTools, type Exec } from './support.js';

let lab: Lab;
beforeAll(() => {
  lab = new Lab();
});
afterAll(() => lab.dispose());
afterEach(() => {
  vi.useRealTimers();
});

const wf = (body: string, name = 'resume-test'): string => `hookflow: 1\nname: ${name}\n${body}`;

/** Lets real I/O and immediates run (fake timers stay frozen) until `cond` holds or `turns` pass. */
async function until(cond: () => boolean, turns = 5000): Promise<void> {
  for (let i = 0; i < turns && !cond(); i++) await new Promise((r) => setImmediate(r));
}

describe('what a resume re-executes', () => {
  it('restores completed steps from the journal and re-runs the in-flight one with the same idempotency key', async () => {
    const file = lab.file('seq.yaml', wf(`steps:
  - id: a
    tool: t.add
    with: { a: 1, b: 2 }
  - id: b
    tool: t.add
    with: { a: "\${ steps.a.output }", b: 10 }
  - id: c
    tool: t.work
    with: { value: "\${ [steps.a.output, steps.b.output] }" }
`));
    const o = await crashAndResume(lab, { file, at: 2 });
    expect(o.reference).toMatchObject({ status: 'completed', output: [3, 13] });
    expect(checkInvariants(o)).toEqual([]);
    expect(o.imaged.get('R a')?.status).toBe('completed');
    expect(o.imaged.get('R b')).toMatchObject({ status: 'running', attempt: 1 });
    expect(o.after.map((e) => e.key)).toEqual(['R/b/1', 'R/c/1']);
    expect(o.before[1]?.key).toBe('R/b/1');
    const store = SqliteStore.open(o.image);
    const types = store.getEvents('R').map((e) => e.type);
    store.close();
    expect(types).toContain('run.resumed');
    expect(types.filter((t) => t === 'run.completed')).toHaveLength(1);
  });

  it('keeps variables and steps.<id> views written inside a completed loop (the loop is not walked again)', async () => {
    const file = lab.file('vars.yaml', wf(`vars: { i: 0, seen: [] }
steps:
  - id: grow
    loop:
      while: "\${ vars.i < 3 }"
      steps:
        - id: inner
          tool: t.add
          with: { a: "\${ vars.i }", b: 100 }
        - id: bump
          set: { i: "\${ vars.i + 1 }", seen: "\${ $append(vars.seen, [steps.inner.output]) }" }
  - id: after
    tool: t.work
    with: { value: "\${ { 'i': vars.i, 'seen': vars.seen, 'lastInner': steps.inner.output, 'bumpStatus': steps.bump.status } }" }
`));
    const o = await crashAndResume(lab, { file, at: 4 });
    expect(o.reference.output).toEqual({ i: 3, seen: [100, 101, 102], lastInner: 102, bumpStatus: 'completed' });
    expect(o.imaged.get('R grow')?.status).toBe('completed');
    expect(checkInvariants(o)).toEqual([]);
    expect(o.after.map(keyOf)).toEqual(['R after 1']);
  });

  it('a run killed before its first journal write starts when resumed (run_start fires, its patch applies)', async () => {
    const file = lab.file('early.yaml', wf(`steps:
  - id: a
    tool: t.work
    with: { value: "\${ input }" }
`));
    const db = lab.db('early');
    const image = lab.db('early-image');
    let imaged = false;
    const stamp = (take: boolean): HookRegistration => ({
      id: 'stamp',
      at: 'run_start',
      run: async () => {
        if (take && !imaged) {
          // One macrotask later anything staged would be written: the image still holds no event.
          await new Promise((r) => setImmediate(r));
          crashImage(db, image);
          imaged = true;
        }
        return { action: 'modify', patch: { stamped: true } };
      },
    });
    const store = SqliteStore.open(db);
    const engine = createEngine({ store, tools: plainTools(), hooks: [stamp(true)] });
    const ref = await engine.run(file, { n: 1 }, { runId: 'E' });
    await engine.close();
    store.close();
    expect(ref.output).toEqual({ n: 1, stamped: true });
    const store2 = SqliteStore.open(image);
    expect(store2.getRun('E')).toMatchObject({ status: 'running', lastSeq: 0 });
    const engine2 = createEngine({ store: store2, tools: plainTools(), hooks: [stamp(false)] });
    const resumed = await engine2.resume('E');
    expect(store2.getEvents('E').map((e) => e.type)).toContain('run.started');
    await engine2.close();
    store2.close();
    expect(resumed).toEqual(ref);
  });

  it('pins the definition: a resumed run uses the stored text even when the file has changed', async () => {
    const text = wf(`steps:
  - id: a
    tool: t.work
    with: { value: first }
  - id: b
    tool: t.work
    with: { value: "\${ steps.a.output & '+b' }" }
`);
    const file = lab.file('pinned.yaml', text);
    let engines = 0;
    const o = await crashAndResume(lab, {
      file,
      at: 2,
      // The second engine (the one that resumes) sees a different file on disk.
      options: () => {
        if (++engines === 2) writeFileSync(file, text.replace('first', 'CHANGED'));
        return {};
      },
    });
    expect(engines).toBe(2);
    expect(o.resumed).toEqual(o.reference);
    expect(o.resumed.output).toBe('first+b');
  });
});

describe('retries across a resume', () => {
  it('a retry policy interrupted mid-way spends only the attempts it has left', async () => {
    const file = lab.file('policy.yaml', wf(`steps:
  - id: doomed
    tool: t.flaky
    with: { failures: 9 }
    retry: { attempts: 3, delay: 1ms }
    onError: continue
  - id: after
    tool: t.work
    with: { value: "\${ [steps.doomed.status, steps.doomed.attempts] }" }
`));
    for (const [at, phase] of [[1, 'end'], [2, 'start'], [2, 'end'], [3, 'start']] as const) {
      const o = await crashAndResume(lab, { file, at, phase });
      expect(o.reference.output).toEqual(['failed', 3]);
      expect(checkInvariants(o), `image at ${at} ${phase}`).toEqual([]);
      // The attempt in flight at the image runs again, then the ones left: never a fourth.
      const inFlight = o.imaged.get('R doomed')?.attempt as number;
      const expected = [1, 2, 3].filter((a) => a >= inFlight);
      expect(o.after.filter((e) => e.path === 'doomed').map((e) => e.attempt), `image at ${at} ${phase}`).toEqual(expected);
    }
  });

  it('hook retries granted before the crash count against the hook budget', async () => {
    const file = lab.file('hook-retry.yaml', wf(`hooks:
  - id: again
    at: after_step
    match: { step: judge }
    do: { retry: { attempts: 2 } }
steps:
  - id: judge
    tool: t.flaky
    with: { failures: 0, value: v }
`));
    for (const at of [2, 3]) {
      const o = await crashAndResume(lab, { file, at });
      expect(o.reference.output).toEqual({ value: 'v', attempt: 3 });
      expect(checkInvariants(o), `image at ${at}`).toEqual([]);
    }
  });
});

describe('recorded hook decisions', () => {
  it('are replayed instead of asking the hook again: forks and branch choices take the recorded path', async () => {
    const file = lab.file('decisions.yaml', wf(`steps:
  - id: plan
    tool: t.work
    with: { value: [a, b, c] }
  - id: choose
    if: "\${ true }"
    then:
      - id: yes
        tool: t.work
        with: { value: then }
    else:
      - id: no1
        tool: t.work
        with: { value: else-1 }
      - id: no2
        tool: t.work
        with: { value: else-2 }
  - id: end
    tool: t.work
    with: { value: "\${ { 'forks': steps.plan.forks, 'chosen': steps.choose.output } }" }
`));
    const asked: string[] = [];
    /** Hooks of engine `n`; `differs` names the hooks that decide differently in the resuming engine. */
    const hooks = (differs: string[]): (() => { hooks: HookRegistration[] }) => {
      let n = 0;
      return () => {
        const mine = ++n;
        const first = (id: string): boolean => mine === 1 || !differs.includes(id);
        return {
          hooks: [
            {
              id: 'fan',
              at: 'after_step',
              match: { step: 'plan' },
              run: (ctx) => {
                asked.push(`${mine}:fan`);
                return first('fan') ? { action: 'fork', forEach: ctx.output as unknown[], concurrency: 1, steps: [{ id: 'w', tool: 't.work', with: { value: '${ item }' } }] } : { action: 'continue' };
              },
            },
            {
              id: 'pick',
              at: 'after_condition',
              run: () => {
                asked.push(`${mine}:pick`);
                return first('pick') ? { action: 'redirect', to: 'else' } : { action: 'continue' };
              },
            },
          ],
        };
      };
    };
    const expected = { forks: ['a', 'b', 'c'], chosen: 'else-2' };
    // Image while the second fork branch runs: `plan` is in flight and its fork decision is journaled.
    const forked = await crashAndResume(lab, { file, at: 3, options: hooks(['fan']) });
    expect(forked.reference.output).toEqual(expected);
    expect(checkInvariants(forked)).toEqual([]);
    expect(forked.after.map((e) => e.path)).toEqual(['plan', 'plan#fork[1]/w', 'plan#fork[2]/w', 'choose/no1', 'choose/no2', 'end']);
    expect(asked.filter((a) => a === '2:fan')).toEqual([]);

    // Image inside the chosen branch: `choose` is in flight and its after_condition redirect is journaled.
    asked.length = 0;
    const chosen = await crashAndResume(lab, { file, at: 6, options: hooks(['fan', 'pick']) });
    expect(checkInvariants(chosen)).toEqual([]);
    expect(chosen.after.map((e) => e.path)).toEqual(['choose/no2', 'end']);
    expect(asked.filter((a) => a.startsWith('2:'))).toEqual([]);
  });

  it('a cache entry written by a restored step is put back, so a later lookup hits as it did before', async () => {
    const file = lab.file('cache.yaml', wf(`hooks:
  - id: memo
    at: before_step
    match: { step: "lookup*" }
    do: { cache: { key: "\${ 'k:' & input.value }", ttl: 1h } }
steps:
  - id: lookup1
    tool: t.work
    with: { value: apple }
  - id: lookup2
    tool: t.work
    with: { value: apple }
  - id: tail
    tool: t.work
    with: { value: "\${ steps.lookup2.output }" }
`));
    const db = lab.db('cache');
    const image = lab.db('cache-image');
    const refLog: Exec[] = [];
    const store = SqliteStore.open(db);
    const engine = createEngine({
      store,
      tools: logged(plainTools(), refLog),
      hooks: [
        {
          id: 'imager',
          at: 'before_step',
          order: -1,
          match: { step: 'lookup2' },
          // One macrotask later lookup1's completion is durable: the image holds lookup1 done, lookup2 not started.
          run: async () => {
            await new Promise((r) => setImmediate(r));
            crashImage(db, image);
          },
        },
      ],
    });
    const ref = await engine.run(file, {}, { runId: 'C' });
    await engine.close();
    store.close();
    expect(refLog.map((e) => e.path)).toEqual(['lookup1', 'tail']);

    const after: Exec[] = [];
    const store2 = SqliteStore.open(image);
    expect(store2.getSteps('C').map((s) => `${s.path}:${s.status}`)).toEqual(['lookup1:completed']);
    const engine2 = createEngine({ store: store2, tools: logged(plainTools(), after) });
    const resumed = await engine2.resume('C');
    await engine2.close();
    store2.close();
    expect(resumed).toEqual(ref);
    // lookup2 hit the restored entry instead of executing.
    expect(after.map((e) => e.path)).toEqual(['tail']);
  });
});

describe('suspension and signals across resumes', () => {
  it('signals consumed inside a completed block are not taken again by a later wait', async () => {
    const file = lab.file('signals.yaml', wf(`steps:
  - id: first
    steps:
      - id: w1
        wait: { signal: go }
  - id: w2
    wait: { signal: go }
  - id: out
    tool: t.work
    with: { value: "\${ [steps.w1.output, steps.w2.output] }" }
`));
    const store = SqliteStore.open(lab.db('signals'));
    // A new engine for each step, as separate CLI invocations would be.
    const engineFor = () => createEngine({ store, tools: plainTools() });
    expect((await engineFor().run(file, {}, { runId: 'S' })).status).toBe('suspended');
    expect((await engineFor().signal('S', 'go', { n: 1 })).status).toBe('suspended');
    expect(store.getSteps('S').find((s) => s.path === 'first')?.status).toBe('completed');
    const done = await engineFor().signal('S', 'go', { n: 2 });
    store.close();
    expect(done).toMatchObject({ status: 'completed', output: [{ n: 1 }, { n: 2 }] });
  });

  it('a durable wait resumed after a crash sleeps only the remainder', async () => {
    // setImmediate stays real: the journal's group commit flushes on it, and file reads need the event loop.
    vi.useFakeTimers({ now: Date.parse('2030-01-01T00:00:00Z'), toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    const file = lab.file('wait.yaml', wf(`steps:
  - id: pause
    wait: 10s
  - id: after
    tool: t.work
    with: { value: woke }
`));
    const db = lab.db('wait');
    const image = lab.db('wait-image');
    const store = SqliteStore.open(db);
    const engine = createEngine({ store, tools: plainTools() });
    const running = engine.run(file, {}, { runId: 'W' });
    await until(() => typeof store.getRun('W')?.wakeAt === 'number');
    const wakeAt = store.getRun('W')?.wakeAt as number;
    expect(wakeAt).toBe(Date.now() + 10_000);
    await vi.advanceTimersByTimeAsync(4000);
    crashImage(db, image);
    await vi.advanceTimersByTimeAsync(6000);
    expect(await running).toMatchObject({ status: 'completed', output: 'woke' });
    await engine.close();
    store.close();

    // The restart happens 7 s after the wait began: 3 s are left.
    vi.setSystemTime(wakeAt - 3000);
    const store2 = SqliteStore.open(image);
    expect(store2.getRun('W')?.wakeAt).toBe(wakeAt);
    const engine2 = createEngine({ store: store2, tools: plainTools() });
    let settled = false;
    const resumed = engine2.resume('W').then((r) => ((settled = true), r));
    await until(() => store2.getEvents('W', { types: ['run.resumed'] }).length === 1);
    await vi.advanceTimersByTimeAsync(2900);
    await until(() => settled, 20);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    await until(() => settled);
    expect(await resumed).toMatchObject({ status: 'completed', output: 'woke' });
    await engine2.close();
    store2.close();
  });

  it('a signal wait past its timeout fails with SIGNAL_TIMEOUT when the run is resumed', async () => {
    vi.useFakeTimers({ now: Date.parse('2030-01-01T00:00:00Z'), toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    const file = lab.file('timeout.yaml', wf(`steps:
  - id: approve
    wait: { signal: approve, timeout: 5s }
`));
    const store = SqliteStore.open(lab.db('timeout'));
    const engine = createEngine({ store, tools: plainTools() });
    expect(await engine.run(file, {}, { runId: 'T' })).toMatchObject({ status: 'suspended' });
    expect(store.getRun('T')?.wakeAt).toBe(Date.parse('2030-01-01T00:00:05Z'));
    vi.setSystemTime(Date.parse('2030-01-01T00:00:06Z'));
    const r = await engine.resume('T');
    await engine.close();
    store.close();
    expect(r).toMatchObject({ status: 'failed', error: { code: 'SIGNAL_TIMEOUT', step: 'approve' } });
  });
});

describe('signal delivery', () => {
  const waitFile = (): string =>
    lab.file(`wait-${Math.random().toString(36).slice(2)}.yaml`, wf(`steps:
  - id: approve
    wait: { signal: go, timeout: 1h }
  - id: after
    tool: t.work
    with: { value: "\${ steps.approve.output }" }
`));

  it('a signal nobody waits for leaves the run suspended (it does not wake it in a loop)', async () => {
    const store = SqliteStore.open(lab.db('other'));
    const engine = createEngine({ store, tools: plainTools() });
    expect(await engine.run(waitFile(), {}, { runId: 'O' })).toMatchObject({ status: 'suspended' });
    expect(await engine.signal('O', 'unrelated', 1)).toMatchObject({ status: 'suspended' });
    expect(store.getEvents('O', { types: ['run.resumed'] })).toHaveLength(1);
    expect(await engine.signal('O', 'go', 2)).toMatchObject({ status: 'completed', output: 2 });
    await engine.close();
    store.close();
  });

  it('a signal that arrives after the wait timed out does not satisfy it', async () => {
    vi.useFakeTimers({ now: Date.parse('2030-01-01T00:00:00Z'), toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    const store = SqliteStore.open(lab.db('late'));
    const engine = createEngine({ store, tools: plainTools() });
    expect(await engine.run(waitFile(), {}, { runId: 'L' })).toMatchObject({ status: 'suspended' });
    vi.setSystemTime(Date.parse('2030-01-01T01:00:01Z'));
    const r = await engine.signal('L', 'go', 'too late');
    expect(r).toMatchObject({ status: 'failed', error: { code: 'SIGNAL_TIMEOUT', step: 'approve' } });
    await engine.close();
    store.close();
  });

  it('a signal sent while the owner is suspending is not stranded', async () => {
    const store = SqliteStore.open(lab.db('race'));
    let aDone!: () => void;
    const aFinished = new Promise<void>((r) => (aDone = r));
    // Engine B's signal is stored only once engine A has finished suspending (and checked for signals),
    // after B read the run while it was still running: the narrowest interleaving.
    const slowSignals = new Proxy(store, {
      get(target, key) {
        if (key === 'putSignal') return async (s: Parameters<SqliteStore['putSignal']>[0]) => (await aFinished, target.putSignal(s));
        const v = Reflect.get(target, key) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const b = createEngine({ store: slowSignals, tools: plainTools() });
    let bResult: Promise<unknown> | undefined;
    const a = createEngine({
      store,
      tools: plainTools(),
      hooks: [{ id: 'send-now', at: 'run_suspend', run: () => void (bResult = b.signal('X', 'go', 'raced')) }],
    });
    const first = await a.run(waitFile(), {}, { runId: 'X' });
    aDone();
    expect(first.status).toBe('suspended');
    expect(await bResult).toMatchObject({ status: 'completed', output: 'raced' });
    await a.close();
    await b.close();
    store.close();
  });
});

describe('sub-workflows', () => {
  it('a signal that woke a suspended sub-workflow survives a crash of the process carrying it on', async () => {
    lab.file('child-wait.yaml', wf(`steps:
  - id: c1
    tool: t.work
    with: { value: c1 }
  - id: gate
    wait: { signal: go }
  - id: c2
    tool: t.work
    with: { value: "\${ steps.gate.output }" }
`, 'child-wait'));
    const file = lab.file('parent-wait.yaml', wf(`steps:
  - id: before
    tool: t.work
    with: { value: before }
  - id: sub
    workflow: ./child-wait.yaml
  - id: after
    tool: t.work
    with: { value: "\${ [steps.before.output, steps.sub.output] }" }
`));
    const db = lab.db('sub');
    const image = lab.db('sub-image');
    const log: Exec[] = [];
    const store = SqliteStore.open(db);
    // Image when c2 (after the signal) starts: the child is running again, the signal is consumed in memory only.
    const engine = createEngine({ store, tools: logged(plainTools(), log, (e, phase) => phase === 'start' && e.path === 'c2' && crashImage(db, image)) });
    expect(await engine.run(file, {}, { runId: 'P' })).toMatchObject({ status: 'suspended' });
    expect(store.getRun('P.sub')?.status).toBe('suspended');
    const ref = await engine.signal('P', 'go', 'opened');
    await engine.close();
    store.close();
    expect(ref).toMatchObject({ status: 'completed', output: ['before', 'opened'] });

    const after: Exec[] = [];
    const store2 = SqliteStore.open(image);
    const engine2 = createEngine({ store: store2, tools: logged(plainTools(), after) });
    const resumed = await engine2.resume('P');
    await engine2.close();
    store2.close();
    expect(resumed).toEqual(ref);
    expect(after.map((e) => e.key)).toEqual(['P.sub/c2/1', 'P/after/1']);
  });
});

describe('resume refusals', () => {
  it('returns the stored result of a finished run, refuses unknown runs and runs owned by a live process', async () => {
    const file = lab.file('tiny.yaml', wf(`steps:
  - id: a
    tool: t.work
    with: { value: 1 }
`));
    const store = SqliteStore.open(lab.db('refuse'));
    const engine = createEngine({ store, tools: plainTools() });
    const done = await engine.run(file, {}, { runId: 'F' });
    expect(await engine.resume('F')).toEqual(done);
    await expect(engine.resume('nope')).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
    // A run whose owner is another live process on this host (our parent) is busy.
    store.createRun({ id: 'B', workflow: 'resume-test', version: null, status: 'running', input: {}, definition: store.getRun('F')!.definition, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString(), lastSeq: 0, owner: `${hostname()}:${process.ppid}` });
    await expect(engine.resume('B')).rejects.toMatchObject({ code: 'RUN_BUSY' });
    await engine.close();
    store.close();
  });
});
