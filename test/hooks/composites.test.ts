/**
 * Composite hooks from YAML (`compose:`) and code (`compositeHook`): sequence, parallel (precedence
 * merge, property-tested), firstMatch and vote {threshold} (ties to the lower order).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compositeHook, type HookAction, type HookRegistration, type HookResult } from '../../src/index.js';
import { decided, hookHarness, wf } from './support.js';

const TWO_STEPS = (hooks = ''): string =>
  wf(`${hooks === '' ? '' : `hooks:\n${hooks}\n`}steps:
  - id: a
    tool: test.echo
    with: { value: { n: 1 } }
  - id: b
    tool: test.echo
    with: { value: "\${ steps.a.output }" }
`);

describe('sequence', () => {
  it('YAML: children in order; modify patches feed the next child; the first decisive result wins', async () => {
    const h = hookHarness();
    const r = await h.run(TWO_STEPS(`  - id: chain
    at: after_step
    match: { step: a }
    compose: sequence
    hooks:
      - { id: plus, do: { modify: { patch: { n: 2, by: [plus] } } } }
      - { id: sees, do: { modify: { patch: { saw: "\${ output.n }" } } } }
      - { id: stop, when: "\${ output.saw = 2 }", do: { replace: { value: "\${ 'stopped after ' & $string(output.saw) }" } } }
      - { id: never, do: { replace: { value: unreachable } } }`));
    expect(r.output).toBe('stopped after 2');
    // Children get their own decisions (and breakers); `never` was not called.
    expect(decided(h.events, 'after_step').map((d) => d.hookId)).toEqual(['plus', 'sees', 'stop', 'chain']);
  });

  it('YAML: only modifies → one merged modify', async () => {
    const h = hookHarness();
    const r = await h.run(TWO_STEPS(`  - id: chain
    at: after_step
    match: { step: a }
    compose: sequence
    hooks:
      - { id: one, do: { modify: { patch: { x: 1, deep: { a: 1 } } } } }
      - { id: two, do: { modify: { patch: { y: 2, deep: { b: 2 } } } } }`));
    expect(r.output).toEqual({ n: 1, x: 1, y: 2, deep: { a: 1, b: 2 } });
    expect(decided(h.events, 'after_step', 'chain')[0]).toMatchObject({ action: 'modify', result: { patch: { x: 1, y: 2, deep: { a: 1, b: 2 } } } });
  });
});

/** Results used by the precedence property, by action (i distinguishes equal actions). */
function resultFor(action: HookAction, i: number): HookResult {
  switch (action) {
    case 'continue':
      return { action };
    case 'modify':
      return { action, patch: { [`k${i}`]: i, last: i } };
    case 'cancel':
      return { action, reason: `r${i}` };
    case 'redirect':
      return { action, to: 'b' };
    case 'replace':
      return { action, value: i };
    case 'retry':
      return { action, attempts: 1 };
    case 'fork':
      return { action, branches: [] };
    case 'cache':
      return { action, key: `key${i}` };
    case 'skip':
      return { action, reason: `s${i}` };
  }
}

const RANK: HookAction[] = ['continue', 'modify', 'cache', 'fork', 'retry', 'skip', 'replace', 'redirect', 'cancel'];

describe('parallel: precedence cancel > redirect > replace > skip > retry > fork > cache > modify > continue', () => {
  const cases: Array<{ point: 'before_step' | 'after_step'; actions: HookAction[] }> = [
    { point: 'before_step', actions: ['continue', 'modify', 'cancel', 'redirect', 'replace', 'fork', 'cache', 'skip'] },
    { point: 'after_step', actions: ['continue', 'modify', 'redirect', 'replace', 'retry', 'fork'] },
  ];
  for (const { point, actions } of cases) {
    it(`${point}: the merged decision is the highest-ranked child result (earliest among equals; modify patches merged in order)`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.constantFrom(...actions), { minLength: 1, maxLength: 6 }), async (picked) => {
          const h = hookHarness();
          const children: HookRegistration[] = picked.map((action, i) => ({ id: `c${i}`, at: point, run: () => resultFor(action, i) }));
          h.engine.hooks.register(compositeHook({ id: 'panel', at: point, match: { step: 'a' }, mode: 'parallel', hooks: children }));
          await h.run(TWO_STEPS());
          const d = decided(h.events, point, 'panel')[0];
          const top = picked.reduce((best, a) => (RANK.indexOf(a) > RANK.indexOf(best) ? a : best));
          expect(d?.action).toBe(top);
          if (top === 'modify') {
            const expected: Record<string, number> = {};
            picked.forEach((a, i) => {
              if (a === 'modify') Object.assign(expected, { [`k${i}`]: i, last: i });
            });
            expect((d?.result as { patch: unknown }).patch).toEqual(expected);
          } else if (top !== 'continue') {
            expect(d?.result).toEqual(resultFor(top, picked.indexOf(top)));
          }
        }),
        { numRuns: 40 },
      );
    });
  }

  it('YAML: the winning result is carried out; children run on copies of the input', async () => {
    const h = hookHarness();
    const seenInputs: unknown[] = [];
    h.engine.hooks.register({ id: 'after', at: 'before_tool', order: 50, run: (ctx) => void seenInputs.push(ctx.input) });
    const r = await h.run(wf(`hooks:
  - id: panel
    at: before_tool
    compose: parallel
    hooks:
      - { id: tweak, do: { modify: { patch: { value: tweaked } } } }
      - { id: veto, when: "\${ input.value = 'bad' }", do: { cancel: vetoed } }
      - { id: also, do: { modify: { patch: { note: merged } } } }
steps:
  - id: good
    tool: test.echo
    with: { value: good }
  - id: bad
    tool: test.echo
    with: { value: bad }
    onError: continue
  - id: report
    tool: test.echo
    with: { value: "\${ [steps.good.output, steps.bad.status] }" }
`));
    // The report call is itself tweaked: every before_tool goes through the panel.
    expect(r.output).toBe('tweaked');
    expect(h.calls['test.echo']).toBe(2);
    expect(seenInputs).toEqual([{ value: 'tweaked', note: 'merged' }, { value: 'tweaked', note: 'merged' }]);
    expect(decided(h.events, 'before_tool', 'panel').map((d) => d.action)).toEqual(['modify', 'cancel', 'modify']);
  });
});

describe('firstMatch', () => {
  it('the first child whose result is not continue wins (modify included, without a waterfall)', async () => {
    const h = hookHarness();
    const r = await h.run(TWO_STEPS(`  - id: pick
    at: after_step
    match: { step: a }
    compose: firstMatch
    hooks:
      - { id: quiet, do: { continue: {} } }
      - { id: small, when: "\${ output.n > 5 }", do: { replace: { value: big } } }
      - { id: tag, do: { modify: { patch: { tagged: true } } } }
      - { id: later, do: { replace: { value: later } } }`));
    expect(r.output).toEqual({ n: 1, tagged: true });
    expect(decided(h.events, 'after_step').map((d) => d.hookId)).toEqual(['quiet', 'tag', 'pick']);
  });
});

describe('vote', () => {
  const voters = (votes: Array<[string, HookResult, number]>): HookRegistration[] => votes.map(([id, res, order]) => ({ id, at: 'before_step', order, run: () => res }));

  it('a decisive action wins when at least ceil(n × threshold) children return it', async () => {
    const h = hookHarness();
    h.engine.hooks.register(
      compositeHook({
        id: 'jury',
        at: 'before_step',
        match: { step: 'a' },
        mode: 'vote',
        threshold: 0.6,
        hooks: voters([
          ['v1', { action: 'skip', reason: 'v1' }, 0],
          ['v2', { action: 'skip', reason: 'v2' }, 0],
          ['v3', { action: 'skip', reason: 'v3' }, 0],
          ['v4', { action: 'continue' }, 0],
          ['v5', { action: 'replace', value: 'x' }, 0],
        ]),
      }),
    );
    const r = await h.run(TWO_STEPS());
    // 3 of 5 skip ≥ ceil(5 × 0.6) = 3: the first skip voter's result is used.
    expect(r.output).toBeNull();
    expect(decided(h.events, 'before_step', 'jury')[0]).toMatchObject({ action: 'skip', result: { reason: 'v1' } });
  });

  it('below the threshold nothing wins: continue', async () => {
    const h = hookHarness();
    h.engine.hooks.register(
      compositeHook({
        id: 'jury',
        at: 'before_step',
        match: { step: 'a' },
        mode: 'vote',
        threshold: 0.75,
        hooks: voters([
          ['v1', { action: 'skip' }, 0],
          ['v2', { action: 'skip' }, 0],
          ['v3', { action: 'cancel', reason: 'no' }, 0],
          ['v4', { action: 'continue' }, 0],
        ]),
      }),
    );
    const r = await h.run(TWO_STEPS());
    expect(r.output).toEqual({ n: 1 });
    expect(decided(h.events, 'before_step', 'jury')[0]?.action).toBe('continue');
  });

  it('ties go to the action whose voters have the lower order, whatever the listing order', async () => {
    for (const skipOrder of [1, 9]) {
      const h = hookHarness();
      h.engine.hooks.register(
        compositeHook({
          id: 'jury',
          at: 'before_step',
          match: { step: 'a' },
          mode: 'vote',
          threshold: 0.5,
          hooks: voters([
            ['c1', { action: 'cancel', reason: 'tie' }, 5],
            ['c2', { action: 'cancel', reason: 'tie' }, 5],
            ['s1', { action: 'skip', reason: 'tie' }, skipOrder],
            ['s2', { action: 'skip', reason: 'tie' }, skipOrder],
          ]),
        }),
      );
      await h.run(TWO_STEPS());
      expect(decided(h.events, 'before_step', 'jury')[0]?.action).toBe(skipOrder < 5 ? 'skip' : 'cancel');
    }
  });

  it('YAML: vote {threshold} with child orders', async () => {
    const h = hookHarness();
    const r = await h.run(TWO_STEPS(`  - id: jury
    at: after_step
    match: { step: a }
    compose: vote
    threshold: 0.5
    hooks:
      - { id: j1, order: 2, do: { replace: { value: from-replace } } }
      - { id: j2, order: 2, do: { replace: { value: from-replace-2 } } }
      - { id: j3, order: 1, do: { redirect: { to: b } } }
      - { id: j4, order: 1, do: { redirect: { to: b } } }`));
    // redirect (order 1) beats replace (order 2) on the tie; a's output stands and b runs next.
    expect(r.output).toEqual({ n: 1 });
    expect(decided(h.events, 'after_step', 'jury')[0]).toMatchObject({ action: 'redirect' });
  });

  it('rejects a threshold outside (0, 1] at registration', () => {
    const h = hookHarness();
    expect(() => h.engine.hooks.register(compositeHook({ id: 'j', at: 'before_step', mode: 'vote', threshold: 0, hooks: [] }))).toThrow(/vote threshold must be in \(0, 1\], got 0/);
  });
});

describe('children keep their own breakers', () => {
  it('a failing child is skipped by its breaker; the composite goes on with the others', async () => {
    const h = hookHarness();
    let calls = 0;
    h.engine.hooks.register(
      compositeHook({
        id: 'pair',
        at: 'after_step',
        mode: 'sequence',
        hooks: [
          {
            id: 'flaky',
            at: 'after_step',
            breaker: { consecutiveFailures: 2 },
            run: () => {
              calls++;
              throw new Error('always');
            },
          },
          { id: 'tagger', at: 'after_step', run: () => ({ action: 'modify', patch: { tagged: true } }) },
        ],
      }),
    );
    const r = await h.run(wf(`steps:
  - { id: s1, tool: test.echo, with: { value: { n: 1 } } }
  - { id: s2, tool: test.echo, with: { value: { n: 2 } } }
  - { id: s3, tool: test.echo, with: { value: { n: 3 } } }
  - { id: s4, tool: test.echo, with: { value: { n: 4 } } }
`));
    expect(r.output).toEqual({ n: 4, tagged: true });
    expect(calls).toBe(2);
    const snaps = new Map(h.engine.breakers().map((b) => [b.hookId, b]));
    expect(snaps.get('pair/flaky')?.state).toBe('open');
    expect(snaps.get('pair/tagger')?.state).toBe('closed');
  });
});
