/**
 * Hooks across a crash and a resume (real temp SQLite files): step paths seen by hooks are stable,
 * recorded decisions are replayed instead of asking the hook again, and the resumed run ends with the
 * same output as the uninterrupted one. The crash is a copy of the database taken from inside a tool
 * call — exactly what a kill -9 at that instant leaves on disk (the engine writes synchronously).
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, SqliteStore, type Engine, type HookContext, type RunResult, type ToolContext, type ToolDefinition } from '../../src/index.js';
import { DEFINITIONS } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'hookflow-hook-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const WORKFLOW = `hookflow: 1
name: replay
hooks:
  - id: fan-out
    at: after_step
    match: { step: plan }
    do:
      fork:
        forEach: "\${ output.tasks }"
        as: task
        steps:
          - id: write
            tool: snap.work
            with: { value: "\${ 'wrote ' & task }" }
steps:
  - id: plan
    tool: snap.work
    with: { value: { tasks: [a, b] } }
  - id: refine
    loop:
      times: 2
      steps:
        - id: draft
          tool: snap.work
          with: { value: "\${ 'draft ' & $string(index) }" }
  - id: report
    tool: snap.work
    with: { value: "\${ { 'forks': steps.plan.forks, 'drafts': steps.refine.output } }" }
`;

function crashImage(db: string, to: string): void {
  for (const ext of ['', '-wal', '-shm']) rmSync(to + ext, { force: true });
  copyFileSync(db, to);
  if (existsSync(`${db}-wal`)) copyFileSync(`${db}-wal`, `${to}-wal`);
}

interface Side {
  engine: Engine;
  store: SqliteStore;
  /** Paths (and points) the `coin` hook was asked about. */
  asked: string[];
  /** Paths of every hook call the spy saw, by point. */
  seen: Array<{ point: string; path: string }>;
}

/**
 * An engine whose `coin` hook answers differently on every call (a counter), so a replayed decision
 * is told apart from a fresh one; `onTool` runs inside each tool call.
 */
function side(db: string, label: string, onTool?: (ctx: ToolContext) => void): Side {
  const store = SqliteStore.open(db);
  const asked: string[] = [];
  const seen: Side['seen'] = [];
  let n = 0;
  const tool: ToolDefinition = {
    name: 'snap.work',
    run: (a: { value?: unknown }, ctx) => {
      onTool?.(ctx);
      return a.value ?? null;
    },
  };
  const engine = createEngine({ store, tools: [tool], definitionsDir: DEFINITIONS });
  engine.hooks.register({
    id: 'coin',
    at: 'before_tool',
    match: { path: 'refine*' },
    run: (ctx: HookContext) => {
      asked.push(ctx.step?.path ?? '');
      return { action: 'modify', patch: { value: `${label}-${++n}` } };
    },
  });
  engine.hooks.register({ id: 'spy', at: ['before_step', 'after_step', 'before_tool', 'after_tool'], breaker: { floorMs: 60_000 }, run: (ctx) => void seen.push({ point: ctx.point, path: ctx.step?.path ?? '' }) });
  return { engine, store, asked, seen };
}

describe('resume after a crash', () => {
  const runFile = join(dir, 'replay.yaml');
  writeFileSync(runFile, WORKFLOW);

  async function crashAt(path: string): Promise<{ reference: RunResult; resumed: RunResult; first: Side; second: Side }> {
    const db = join(dir, `run-${path.replace(/\W/g, '_')}.db`);
    const image = join(dir, `image-${path.replace(/\W/g, '_')}.db`);
    let imaged = false;
    const first = side(db, 'first', (ctx) => {
      if (!imaged && ctx.stepPath === path) {
        crashImage(db, image);
        imaged = true;
      }
    });
    const reference = await first.engine.run(runFile, {}, { runId: 'R' });
    await first.engine.close();
    first.store.close();
    expect(imaged).toBe(true);
    const second = side(image, 'second');
    const resumed = await second.engine.resume('R');
    await second.engine.close();
    second.store.close();
    return { reference, resumed, first, second };
  }

  it('replays the decision recorded for the interrupted call instead of asking the hook again', async () => {
    const { reference, resumed, first, second } = await crashAt('refine[1]/draft');
    expect(reference.status).toBe('completed');
    // The second engine's coin would answer `second-1`: the resumed run used the recorded `first-2`.
    expect(first.asked).toEqual(['refine[0]/draft', 'refine[1]/draft']);
    expect(second.asked).toEqual([]);
    expect(resumed).toEqual(reference);
    expect(reference.output).toEqual({ forks: ['wrote a', 'wrote b'], drafts: ['first-1', 'first-2'] });
  });

  it('hooks see the same stable paths (iterations, fork branches) before and after the resume', async () => {
    const { reference, resumed, first, second } = await crashAt('plan#fork[1]/write');
    expect(resumed.status).toBe('completed');
    expect(resumed.output).toEqual({ forks: ['wrote a', 'wrote b'], drafts: ['second-1', 'second-2'] });
    // The crash came before the loop: its decisions were never recorded, so the resumed run asked its own hook.
    expect(reference.output).toEqual({ forks: ['wrote a', 'wrote b'], drafts: ['first-1', 'first-2'] });
    expect(second.asked).toEqual(['refine[0]/draft', 'refine[1]/draft']);
    const paths = (s: Side): Set<string> => new Set(s.seen.map((x) => `${x.point} ${x.path}`));
    const all = paths(first);
    // Everything the resumed run asked its hooks about is a (point, path) the uninterrupted run asked about too.
    for (const p of paths(second)) expect(all, p).toContain(p);
    expect([...paths(second)].filter((p) => p.startsWith('before_step'))).toEqual(
      expect.arrayContaining(['before_step refine[0]/draft', 'before_step refine[1]/draft', 'before_step report']),
    );
    // The interrupted fork branch re-runs under the same path; the decisions journaled before the crash
    // (plan's own points, the branches' before_tool) are replayed, so the spy is not asked again.
    expect(paths(second)).toContain('after_tool plan#fork[1]/write');
    for (const replayed of ['before_step plan', 'before_tool plan', 'after_tool plan', 'before_tool plan#fork[1]/write']) {
      expect(all).toContain(replayed);
      expect(paths(second)).not.toContain(replayed);
    }
  });
});
