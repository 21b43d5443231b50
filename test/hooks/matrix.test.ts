/**
 * The result × point matrix of hooks.md, end to end from YAML: for every pair allowed by
 * isActionAllowed there is one case — a workflow in which the point fires, a rule hook (`do:`) that
 * returns the action there, and an assertion that the engine really carried the action out.
 * The pairs are generated from HOOK_POINTS × HOOK_ACTIONS; a pair without a case is listed in
 * `untested`, which must be empty. Fixtures (one per point): ./matrix/.
 */
import { describe, expect, it } from 'vitest';
import { HOOK_ACTIONS, HOOK_POINTS, isActionAllowed, type HookAction, type HookPoint } from '../../src/index.js';
import { type Case, type Ctx, type PointFixture } from './matrix/fixtures.js';
import { PATTERN_FIXTURES } from './matrix/patterns.js';
import { RUN_STEP_FIXTURES } from './matrix/run-step.js';
import { TOOL_STATE_FIXTURES } from './matrix/tools-state.js';
import { dataOf, decided, hookHarness, type HookHarness } from './support.js';

const FIXTURES = { ...RUN_STEP_FIXTURES, ...PATTERN_FIXTURES, ...TOOL_STATE_FIXTURES } as Record<HookPoint, PointFixture>;

it('there is one fixture per point', () => {
  expect(Object.keys(FIXTURES).sort()).toEqual([...HOOK_POINTS].sort());
});

function hookItem(point: HookPoint, f: PointFixture, body: string): string {
  const lines = [`  - id: h`, `    at: ${point}`];
  if (f.match) lines.push(`    match: ${f.match}`);
  if (f.when) lines.push(`    when: "${f.when}"`);
  lines.push(`    do: ${body}`);
  if (f.extraHooks) lines.push(f.extraHooks);
  return lines.join('\n');
}

/** Runs one case: twice on one engine for `cache` (the second run is the one checked). */
async function runCase(point: HookPoint, action: HookAction): Promise<Ctx> {
  const f = FIXTURES[point];
  const body = action === 'continue' ? '{ continue: {} }' : (f.cases[action] as Case).do;
  const yaml = f.workflow(hookItem(point, f, body));
  const h = hookHarness(f.options);
  const input = f.input ?? {};
  const drive = f.drive ?? ((hh: HookHarness, y: string, i: unknown) => hh.run(y, i));
  let r = await drive(h, yaml, input);
  if (action === 'cache') r = await drive(h, yaml, input);
  const steps = new Map((await h.engine.store.getSteps(r.runId)).map((s) => [s.path, s]));
  return { r, h, steps };
}

const PAIRS = HOOK_POINTS.flatMap((point) => HOOK_ACTIONS.filter((action) => isActionAllowed(point, action)).map((action) => ({ point, action })));

describe('result × point matrix (hooks.md table)', () => {
  it('every allowed pair has a case (the untested table is empty)', () => {
    const untested = PAIRS.filter(({ point, action }) => action !== 'continue' && FIXTURES[point].cases[action as Exclude<HookAction, 'continue'>] === undefined);
    expect(untested).toEqual([]);
    // Cases for pairs the spec does not allow would be dead code.
    const extra = HOOK_POINTS.flatMap((point) => Object.keys(FIXTURES[point].cases).filter((a) => !isActionAllowed(point, a as HookAction)).map((a) => `${point}/${a}`));
    expect(extra).toEqual([]);
    expect(PAIRS.length).toBe(83);
  });

  it.each(PAIRS.map((p) => [`${p.point} → ${p.action}`, p] as const))('%s', async (_name, { point, action }) => {
    const c = await runCase(point, action);
    const f = FIXTURES[point];
    if (action === 'continue') await f.baseline(c);
    else await (f.cases[action] as Case).check(c);
    // The hook under test really answered at its point, with the action under test.
    const own = decided(c.h.events, point, 'h');
    expect(own.length).toBeGreaterThan(0);
    expect(own.some((d) => d.action === action)).toBe(true);
  });
});

/** Points fired outside the run's control flow (their hooks observe); an invalid result there is reported, not fatal. */
const OUT_OF_BAND: ReadonlySet<HookPoint> = new Set(['breaker_open', 'breaker_close', 'budget_exceeded']);

describe('a result not allowed at its point', () => {
  it.each(HOOK_POINTS.map((p) => [p] as const))('%s: fails with HOOK_RESULT_INVALID naming hook, point and action', async (point) => {
    const f = FIXTURES[point];
    const action = HOOK_ACTIONS.find((a) => !isActionAllowed(point, a)) as HookAction;
    const h = hookHarness(f.options);
    h.engine.hooks.register({ id: 'bad', at: point, run: () => ({ action, ...(action === 'redirect' ? { to: 'a' } : {}) }) as never });
    const drive = f.drive ?? ((hh: HookHarness, y: string, i: unknown) => hh.run(y, i));
    const r = await drive(h, f.workflow(hookItem(point, f, '{ continue: {} }')), f.input ?? {});
    const message = `hook "bad" at ${point} returned "${action}", which is not allowed at ${point}`;
    if (OUT_OF_BAND.has(point)) {
      const failed = dataOf(h.events, 'hook.failed').filter((d) => d.point === point);
      expect(failed).toHaveLength(1);
      expect(failed[0]?.error).toMatchObject({ code: 'HOOK_RESULT_INVALID' });
      expect((failed[0]?.error as { message: string }).message).toContain(message);
      return;
    }
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('HOOK_RESULT_INVALID');
    expect(r.error?.message).toContain(message);
    expect(r.error?.details).toMatchObject({ hookId: 'bad', point });
  });
});

