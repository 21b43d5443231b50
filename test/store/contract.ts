/**
 * The Store contract as one suite, run against every implementation (memory.test.ts, sqlite.test.ts)
 * so both behave the same for the engine.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/types.js';
import { hookflowError, iso, makeEvent, makeRun, makeStep, stepBatch, T0, type StoreFactory, type StoreHandle } from './fixtures.js';

export function storeContract(name: string, factory: StoreFactory): void {
  describe(`Store contract: ${name}`, () => {
    let handle: StoreHandle;
    let store: Store;
    let clock: number;

    beforeEach(() => {
      clock = 1_000_000;
      handle = factory(() => clock);
      store = handle.store;
    });
    afterEach(() => handle.close());

    describe('runs', () => {
      it('returns a created run with every field, defaults filled in', async () => {
        await store.createRun(makeRun('r1'));
        expect(await store.getRun('r1')).toStrictEqual({
          ...makeRun('r1'),
          error: null,
          parentRunId: null,
          parentStepPath: null,
          endedAt: null,
          wakeAt: null,
          owner: null,
          totals: null,
        });
        expect(await store.getRun('nope')).toBeUndefined();
      });

      it('keeps optional fields, string versions and the pinned definition', async () => {
        const full = makeRun('child', {
          version: '2.1',
          output: { done: true },
          error: { code: 'X', message: 'm' },
          parentRunId: 'parent',
          parentStepPath: 'a/b',
          endedAt: iso(9),
          wakeAt: 123,
          owner: 'host:1',
          totals: { cost: 0.5 },
          definition: { text: 'other', hash: 'sha256-other', file: 'o.yaml' },
        });
        await store.createRun(full);
        expect(await store.getRun('child')).toStrictEqual(full);
      });

      it('rejects a duplicate run id with RUN_EXISTS and keeps the first run', async () => {
        await store.createRun(makeRun('r1'));
        const err = await hookflowError(() => store.createRun(makeRun('r1', { workflow: 'other' })));
        expect(err.code).toBe('RUN_EXISTS');
        expect(err.message).toContain("'r1'");
        expect((await store.getRun('r1'))?.workflow).toBe('summarize');
      });

      it('refuses a definition hash pinned with a different text, and shares identical definitions', async () => {
        await store.createRun(makeRun('a'));
        await store.createRun(makeRun('b'));
        const bad = makeRun('c', { definition: { text: 'tampered', hash: 'sha256-summarize', file: 'x.yaml' } });
        expect((await hookflowError(() => store.createRun(bad))).code).toBe('STORE');
        expect(await store.getRun('c')).toBeUndefined();
        expect((await store.getRun('b'))?.definition.text).toBe(makeRun('b').definition.text);
      });

      it('lists newest-created first, filtered by status and workflow, with a limit', async () => {
        await store.createRun(makeRun('old', { createdAt: iso(1) }));
        await store.createRun(makeRun('new', { createdAt: iso(3), workflow: 'other' }));
        await store.createRun(makeRun('mid', { createdAt: iso(2), status: 'completed' }));
        await store.createRun(makeRun('mid2', { createdAt: iso(2), status: 'completed' }));
        const ids = async (f?: Parameters<Store['listRuns']>[0]): Promise<string[]> => (await store.listRuns(f)).map((r) => r.id);
        expect(await ids()).toEqual(['new', 'mid2', 'mid', 'old']);
        expect(await ids({ status: 'completed' })).toEqual(['mid2', 'mid']);
        expect(await ids({ workflow: 'summarize' })).toEqual(['mid2', 'mid', 'old']);
        expect(await ids({ workflow: 'summarize', status: 'running' })).toEqual(['old']);
        expect(await ids({ limit: 2 })).toEqual(['new', 'mid2']);
        expect(await ids({ limit: 0 })).toEqual([]);
        expect((await hookflowError(() => store.listRuns({ limit: -1 }))).code).toBe('INPUT');
        expect((await store.listRuns())[0]).toStrictEqual(await store.getRun('new'));
      });
    });

    describe('commit', () => {
      it('appends events, upserts steps and patches only the given run fields', async () => {
        await store.createRun(makeRun('r'));
        await store.commit('r', {
          events: [makeEvent('r', 1, 'step.started'), makeEvent('r', 2)],
          steps: [makeStep('r', 'a')],
          run: { updatedAt: iso(2), totals: { cost: 1 } },
        });
        const run = await store.getRun('r');
        expect(run).toMatchObject({ status: 'running', updatedAt: iso(2), totals: { cost: 1 }, lastSeq: 2, input: makeRun('r').input });
        expect(await store.getEvents('r')).toStrictEqual([makeEvent('r', 1, 'step.started'), makeEvent('r', 2)]);
        expect(await store.getSteps('r')).toStrictEqual([makeStep('r', 'a')]);

        await store.commit('r', { run: { status: 'completed', output: { ok: 1 }, endedAt: iso(3), error: undefined } });
        expect(await store.getRun('r')).toMatchObject({ status: 'completed', output: { ok: 1 }, endedAt: iso(3), totals: { cost: 1 }, lastSeq: 2 });
        // An own key set to undefined clears the column.
        await store.commit('r', { run: { output: undefined, totals: null } });
        const cleared = await store.getRun('r');
        expect(cleared).not.toHaveProperty('output');
        expect(cleared?.totals).toBeNull();
      });

      it('advances lastSeq to the highest event seq, and takes an explicit lastSeq as a floor', async () => {
        await store.createRun(makeRun('r'));
        await store.commit('r', { events: [makeEvent('r', 1), makeEvent('r', 2)] });
        expect((await store.getRun('r'))?.lastSeq).toBe(2);
        await store.commit('r', { run: { lastSeq: 10 } });
        expect((await store.getRun('r'))?.lastSeq).toBe(10);
        await store.commit('r', { events: [makeEvent('r', 11), makeEvent('r', 12)], run: { lastSeq: 11 } });
        expect((await store.getRun('r'))?.lastSeq).toBe(12);
        // The head never falls below the journal, whatever a patch says.
        await store.commit('r', { run: { lastSeq: 3 } });
        expect((await store.getRun('r'))?.lastSeq).toBe(12);
        await store.commit('r', { events: [makeEvent('r', 13)], run: { lastSeq: 13 } });
        expect((await store.listRuns())[0]?.lastSeq).toBe(13);
      });

      it('patches input, which lives apart from the hot run row', async () => {
        await store.createRun(makeRun('r'));
        await store.commit('r', { run: { input: { replaced: true } } });
        expect((await store.getRun('r'))?.input).toEqual({ replaced: true });
      });

      it('writes nothing when any row of the batch is invalid', async () => {
        await store.createRun(makeRun('r'));
        await store.commit('r', stepBatch('r', 1, 'a'));
        const before = { run: await store.getRun('r'), events: await store.getEvents('r'), steps: await store.getSteps('r') };
        const attempts = [
          // seq 1 is already journaled
          { events: [makeEvent('r', 2), makeEvent('r', 1)], steps: [makeStep('r', 'b')], run: { status: 'failed' as const } },
          // duplicate seq inside the batch
          { events: [makeEvent('r', 3), makeEvent('r', 3)], steps: [makeStep('r', 'a', { attempt: 2 })] },
          // a step without its required stepId
          { events: [makeEvent('r', 4)], steps: [makeStep('r', 'c', { stepId: undefined as unknown as string })], run: { updatedAt: iso(4) } },
          // an event of another run
          { events: [makeEvent('r', 5), makeEvent('other', 6)], run: { updatedAt: iso(5) } },
          // an unserialisable output
          { events: [makeEvent('r', 7)], steps: [makeStep('r', 'a', { output: { n: 10n } })] },
          // a status cannot be cleared
          { events: [makeEvent('r', 8)], run: { status: undefined } },
          // not a run field
          { events: [makeEvent('r', 9)], run: { colour: 'red' } as never },
        ];
        for (const batch of attempts) {
          const err = await hookflowError(() => store.commit('r', batch));
          expect(err.code).toBe('STORE');
          expect({ run: await store.getRun('r'), events: await store.getEvents('r'), steps: await store.getSteps('r') }).toStrictEqual(before);
        }
      });

      it('names the duplicate seq and hints at a second writer', async () => {
        await store.createRun(makeRun('r'));
        await store.commit('r', { events: [makeEvent('r', 1)] });
        const err = await hookflowError(() => store.commit('r', { events: [makeEvent('r', 1)] }));
        expect(err.message).toMatch(/seq 1 is already journaled/);
        expect(err.message).toMatch(/another process/);
      });

      it('fails with RUN_NOT_FOUND for an unknown run, whatever the batch holds', async () => {
        const batches = [
          stepBatch('ghost', 1),
          { events: [makeEvent('ghost', 1)] },
          { events: [makeEvent('ghost', 1)], steps: [makeStep('ghost', 'a')], run: { lastSeq: 1 } },
          { steps: [makeStep('ghost', 'a')] },
          { run: { status: 'failed' as const } },
          { run: {} },
        ];
        for (const batch of batches) {
          expect((await hookflowError(() => store.commit('ghost', batch))).code).toBe('RUN_NOT_FOUND');
        }
        await store.commit('ghost', {});
        expect(await store.getRun('ghost')).toBeUndefined();
      });

      it('orders steps first written without events by the run head', async () => {
        await store.createRun(makeRun('r'));
        await store.commit('r', { events: [makeEvent('r', 1), makeEvent('r', 2)], steps: [makeStep('r', 'z')] });
        await store.commit('r', { steps: [makeStep('r', 'b')] });
        await store.commit('r', { steps: [makeStep('r', 'a')], run: { lastSeq: 5 } });
        await store.commit('r', { events: [makeEvent('r', 3)], steps: [makeStep('r', 'c')] });
        expect((await store.getSteps('r')).map((s) => s.path)).toEqual(['b', 'z', 'c', 'a']);
      });

      it('upserts step rows: a new attempt replaces the row and keeps its position', async () => {
        await store.createRun(makeRun('r'));
        await store.commit('r', { events: [makeEvent('r', 1)], steps: [makeStep('r', 'plan', { status: 'running', endedAt: null, output: undefined })] });
        await store.commit('r', { events: [makeEvent('r', 2)], steps: [makeStep('r', 'write'), makeStep('r', 'b-review')] });
        await store.commit('r', { events: [makeEvent('r', 3)], steps: [makeStep('r', 'plan', { attempt: 2, error: { code: 'TIMEOUT', message: 't' } })] });
        const steps = await store.getSteps('r');
        expect(steps.map((s) => s.path)).toEqual(['plan', 'b-review', 'write']);
        expect(steps[0]).toStrictEqual(makeStep('r', 'plan', { attempt: 2, error: { code: 'TIMEOUT', message: 't' } }));
        expect(await store.getSteps('nope')).toEqual([]);
      });
    });

    describe('events', () => {
      beforeEach(async () => {
        await store.createRun(makeRun('r'));
        const types = ['run.started', 'step.started', 'hook.decided', 'step.completed', 'hook.decided', 'user.shipped', 'run.completed'];
        await store.commit('r', { events: types.map((t, i) => makeEvent('r', i + 1, t)) });
      });

      it('reads in seq order from fromSeq (inclusive) with a limit', async () => {
        const seqs = async (q?: Parameters<Store['getEvents']>[1]): Promise<number[]> => (await store.getEvents('r', q)).map((e) => e.seq);
        expect(await seqs()).toEqual([1, 2, 3, 4, 5, 6, 7]);
        expect(await seqs({ fromSeq: 5 })).toEqual([5, 6, 7]);
        expect(await seqs({ fromSeq: 3, limit: 2 })).toEqual([3, 4]);
        expect(await seqs({ limit: 0 })).toEqual([]);
        expect(await seqs({ fromSeq: 99 })).toEqual([]);
        expect(await store.getEvents('other')).toEqual([]);
        expect((await hookflowError(() => store.getEvents('r', { fromSeq: 1.5 }))).code).toBe('INPUT');
      });

      it('filters by exact types and by prefixes ending in a dot', async () => {
        const types = async (t: string[], extra = {}): Promise<number[]> => (await store.getEvents('r', { types: t, ...extra })).map((e) => e.seq);
        expect(await types(['hook.decided'])).toEqual([3, 5]);
        expect(await types(['run.'])).toEqual([1, 7]);
        expect(await types(['step.', 'user.shipped'])).toEqual([2, 4, 6]);
        expect(await types(['hook.', 'run.'], { fromSeq: 4, limit: 2 })).toEqual([5, 7]);
        expect(await types(['step'])).toEqual([]);
        expect(await types([])).toEqual([1, 2, 3, 4, 5, 6, 7]);
      });

      it('returns events committed out of order sorted by seq, with causationId only when set', async () => {
        await store.createRun(makeRun('o'));
        const caused = { ...makeEvent('o', 2), causationId: 'o:1' };
        await store.commit('o', { events: [makeEvent('o', 3)] });
        await store.commit('o', { events: [caused, makeEvent('o', 1)] });
        const events = await store.getEvents('o');
        expect(events).toStrictEqual([makeEvent('o', 1), caused, makeEvent('o', 3)]);
        expect(events[0]).not.toHaveProperty('causationId');
      });
    });

    describe('signals', () => {
      it('returns signals in arrival order, optionally by name', async () => {
        await store.createRun(makeRun('r'));
        await store.putSignal({ runId: 'r', name: 'approve', data: { by: 'ann' }, createdAt: iso(1) });
        await store.putSignal({ runId: 'r', name: 'reject', data: null, createdAt: iso(2) });
        await store.putSignal({ runId: 'r', name: 'approve', data: undefined, createdAt: iso(3) });
        expect(await store.getSignals('r')).toStrictEqual([
          { runId: 'r', name: 'approve', data: { by: 'ann' }, createdAt: iso(1) },
          { runId: 'r', name: 'reject', data: null, createdAt: iso(2) },
          { runId: 'r', name: 'approve', data: undefined, createdAt: iso(3) },
        ]);
        expect((await store.getSignals('r', 'approve')).map((s) => s.createdAt)).toEqual([iso(1), iso(3)]);
        expect(await store.getSignals('r', 'none')).toEqual([]);
      });

      it('refuses a signal for an unknown run with RUN_NOT_FOUND', async () => {
        const err = await hookflowError(() => store.putSignal({ runId: 'ghost', name: 'go', data: 1, createdAt: T0 }));
        expect(err.code).toBe('RUN_NOT_FOUND');
      });
    });

    describe('meta', () => {
      it('stores values per namespace, overwrites, and lists by key', async () => {
        await store.putMeta('cache', 'b', { v: 2 });
        await store.putMeta('cache', 'a', [1, 'x']);
        await store.putMeta('breaker', 'a', 'open');
        await store.putMeta('cache', 'b', { v: 3 });
        expect(await store.getMeta('cache', 'b')).toEqual({ v: 3 });
        expect(await store.getMeta('breaker', 'a')).toBe('open');
        expect(await store.getMeta('cache', 'zzz')).toBeUndefined();
        expect(await store.listMeta('cache')).toEqual([
          { key: 'a', value: [1, 'x'] },
          { key: 'b', value: { v: 3 } },
        ]);
        expect(await store.listMeta('none')).toEqual([]);
      });

      it('reads expired keys as undefined (expiresAt is epoch ms on the injected clock)', async () => {
        await store.putMeta('cache', 'short', 1, clock + 1000);
        await store.putMeta('cache', 'long', 2, clock + 5000);
        await store.putMeta('cache', 'forever', 3, null);
        expect(await store.getMeta('cache', 'short')).toBe(1);
        clock += 1000;
        expect(await store.getMeta('cache', 'short')).toBeUndefined();
        expect((await store.listMeta('cache')).map((m) => m.key)).toEqual(['forever', 'long']);
        clock += 10_000;
        expect(await store.listMeta('cache')).toEqual([{ key: 'forever', value: 3 }]);
        // An expired key can be written again.
        await store.putMeta('cache', 'short', 'again', clock + 1);
        expect(await store.getMeta('cache', 'short')).toBe('again');
      });
    });

    describe('claim and release', () => {
      it('claims a free run, refuses while a live owner holds it, takes over from a dead one', async () => {
        await store.createRun(makeRun('r'));
        const asked: string[] = [];
        const alive = (o: string): boolean => (asked.push(o), o !== 'h:dead');
        expect(await store.claimRun('r', 'h:1', alive)).toBe(true);
        expect((await store.getRun('r'))?.owner).toBe('h:1');
        expect(await store.claimRun('r', 'h:1', alive)).toBe(true);
        expect(await store.claimRun('r', 'h:2', alive)).toBe(false);
        expect(asked).toEqual(['h:1']);
        expect((await store.getRun('r'))?.owner).toBe('h:1');

        await store.releaseRun('r', 'h:2');
        expect((await store.getRun('r'))?.owner).toBe('h:1');
        await store.releaseRun('r', 'h:1');
        expect((await store.getRun('r'))?.owner).toBeNull();

        await store.commit('r', { run: { owner: 'h:dead' } });
        expect(await store.claimRun('r', 'h:3', alive)).toBe(true);
        expect((await store.getRun('r'))?.owner).toBe('h:3');
        await store.releaseRun('ghost', 'h:3');
        expect((await hookflowError(() => store.claimRun('ghost', 'h:3', alive))).code).toBe('RUN_NOT_FOUND');
      });
    });

    describe('prune', () => {
      it('deletes finished runs that ended before the cut-off, with their journal, steps and signals', async () => {
        const specs = [
          ['done-old', 'completed', iso(10)],
          ['failed-old', 'failed', iso(20)],
          ['cancelled-old', 'cancelled', iso(30)],
          ['done-new', 'completed', iso(5000)],
          ['running', 'running', iso(10)],
          ['suspended', 'suspended', iso(10)],
          ['done-no-end', 'completed', null],
        ] as const;
        for (const [id, status, endedAt] of specs) {
          await store.createRun(makeRun(id, { status, endedAt, definition: { text: id, hash: `h-${id}`, file: 'f' } }));
          await store.commit(id, stepBatch(id, 1));
          await store.putSignal({ runId: id, name: 'go', data: 1, createdAt: T0 });
        }
        expect(await store.prune(new Date(iso(1000)))).toBe(3);
        expect((await store.listRuns()).map((r) => r.id).sort()).toEqual(['done-new', 'done-no-end', 'running', 'suspended']);
        for (const id of ['done-old', 'failed-old', 'cancelled-old']) {
          expect(await store.getRun(id)).toBeUndefined();
          expect(await store.getEvents(id)).toEqual([]);
          expect(await store.getSteps(id)).toEqual([]);
          expect(await store.getSignals(id)).toEqual([]);
        }
        expect(await store.getEvents('running')).toHaveLength(1);
        // A pruned id and its definition hash are free again.
        await store.createRun(makeRun('done-old', { definition: { text: 'new text', hash: 'h-done-old', file: 'f' } }));
        expect((await store.getRun('done-old'))?.definition.text).toBe('new text');
        expect(await store.prune(new Date(iso(1000)))).toBe(0);
        expect((await hookflowError(() => store.prune(new Date('nope')))).code).toBe('INPUT');
      });
    });

    describe('values', () => {
      it('round-trips any JSON value exactly as JSON would (property)', async () => {
        await store.createRun(makeRun('r'));
        let seq = 0;
        await fc.assert(
          fc.asyncProperty(fc.jsonValue(), async (value) => {
            seq++;
            await store.commit('r', { events: [makeEvent('r', seq, 'user.x', value)], steps: [makeStep('r', 'p', { output: value, effects: { v: value } })] });
            const expected = JSON.parse(JSON.stringify(value)) as unknown;
            const [event] = await store.getEvents('r', { fromSeq: seq, limit: 1 });
            const [step] = await store.getSteps('r');
            expect(event?.data).toStrictEqual(expected);
            expect(step?.output).toStrictEqual(expected);
            expect(step?.effects).toStrictEqual({ v: expected });
          }),
          { numRuns: 60 },
        );
      });

      it('stores JSON semantics: Dates become strings, undefined members vanish', async () => {
        await store.createRun(makeRun('r', { input: { when: new Date(T0), gone: undefined, list: [undefined, 1] } }));
        expect((await store.getRun('r'))?.input).toStrictEqual({ when: T0, list: [null, 1] });
      });

      it('keeps stored data apart from the objects passed in and handed out', async () => {
        const run = makeRun('r');
        await store.createRun(run);
        (run.input as { topic: string }).topic = 'mutated';
        const event = makeEvent('r', 1, 'x', { list: [1] });
        await store.commit('r', { events: [event] });
        (event.data as { list: number[] }).list.push(2);
        const read = await store.getRun('r');
        (read?.input as { topic: string }).topic = 'mutated again';
        const [got] = await store.getEvents('r');
        (got?.data as { list: number[] }).list.push(3);
        expect((await store.getRun('r'))?.input).toEqual({ topic: 'stores', n: 3 });
        expect((await store.getEvents('r'))[0]?.data).toEqual({ list: [1] });
      });

      it('refuses values that are not JSON-serialisable with STORE', async () => {
        const cyclic: Record<string, unknown> = {};
        cyclic.self = cyclic;
        const err = await hookflowError(() => store.createRun(makeRun('r', { input: cyclic })));
        expect(err.code).toBe('STORE');
        expect(err.message).toMatch(/JSON-serialisable/);
        expect(await store.getRun('r')).toBeUndefined();
        expect((await hookflowError(() => store.putMeta('ns', 'k', { n: 1n }))).code).toBe('STORE');
      });
    });

    it('fails every call with STORE after close', async () => {
      await store.createRun(makeRun('r'));
      await store.close();
      await store.close();
      expect((await hookflowError(() => store.getRun('r'))).code).toBe('STORE');
      expect((await hookflowError(() => store.commit('r', stepBatch('r', 1)))).code).toBe('STORE');
    });
  });
}
