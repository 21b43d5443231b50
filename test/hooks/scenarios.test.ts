/**
 * The required scenarios of the hook issue, each from a YAML workflow:
 * fan-out from an after_step hook over a runtime list with a concurrency limit; a retry hook that
 * rejects low-confidence output; a redirect loop stopped by the limit; a 200 ms hook on 1 ms steps
 * switched off by its breaker while the run finishes.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { probe } from '../engine/support.js';
import { dataOf, decided, FAKE_TIMERS, hookHarness, settle, wf } from './support.js';

beforeEach(() => vi.useFakeTimers({ toFake: [...FAKE_TIMERS] }));
afterEach(() => vi.useRealTimers());

describe('scenarios', () => {
  it('forks branches from an after_step hook over a runtime list, at most `concurrency` at once', async () => {
    const p = probe();
    const h = hookHarness({ tools: [p.tool] });
    const r = await settle(
      h.run(wf(`hooks:
  - id: fan-out
    at: after_step
    match: { step: plan }
    do:
      fork:
        forEach: "\${ output.tasks }"
        as: task
        concurrency: 3
        steps:
          - id: write
            tool: probe.work
            with: { key: "\${ task }", ms: 40, value: "\${ 'wrote ' & task }" }
steps:
  - id: plan
    tool: test.echo
    with: { value: { tasks: "\${ input.topics }" } }
  - id: report
    tool: test.echo
    with: { value: "\${ steps.plan.forks }" }
`), { topics: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] }),
    );
    expect(r.status).toBe('completed');
    expect(r.output).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((t) => `wrote ${t}`));
    expect(p.calls).toHaveLength(8);
    expect(p.maxActive).toBe(3);
    // A slot is reused as soon as it frees: 8 branches of 40 ms in ceil(8/3) = 3 waves.
    const starts = [...new Set(p.calls.map((c) => c.start - (p.calls[0]?.start as number)))];
    expect(starts).toEqual([0, 40, 80]);
    expect(dataOf(h.events, 'branch.forked')).toEqual([expect.objectContaining({ path: 'plan', hookId: 'fan-out', count: 8, join: 'wait' })]);
  });

  it('a retry hook rejects low-confidence output: the step runs again, then the confident answer is accepted', async () => {
    const h = hookHarness();
    let call = 0;
    h.engine.tools.register({ name: 'model.classify', run: () => ({ label: 'spam', confidence: [0.2, 0.4, 0.9][call++] ?? 0.9 }) });
    const r = await settle(
      h.run(wf(`hooks:
  - id: low-confidence-retry
    at: after_step
    match: { step: "classify*" }
    when: \${ output.confidence < 0.5 }
    do: { retry: { attempts: 3, delay: 100ms } }
steps:
  - id: classify
    tool: model.classify
  - id: route
    tool: test.echo
    with: { value: "\${ steps.classify.output }" }
`)),
    );
    expect(r.output).toEqual({ label: 'spam', confidence: 0.9 });
    expect(call).toBe(3);
    // Two rejections (retry), then the guard no longer matches: no decision on the third attempt.
    expect(decided(h.events, 'after_step', 'low-confidence-retry').map((d) => [d.action, d.attempt])).toEqual([
      ['retry', 1],
      ['retry', 2],
    ]);
    expect(dataOf(h.events, 'step.completed').find((d) => d.path === 'classify')).toMatchObject({ attempt: 3 });
  });

  it('a redirect loop hits the limit with a clear REDIRECT_LIMIT error', async () => {
    const h = hookHarness({ maxRedirects: 7 });
    const r = await settle(
      h.run(wf(`hooks:
  - id: forever
    at: after_step
    match: { step: review }
    do: { redirect: { to: draft } }
steps:
  - id: draft
    tool: test.echo
    with: { value: draft }
  - id: review
    tool: test.echo
    with: { value: review }
  - id: publish
    tool: test.echo
    with: { value: never }
`)),
    );
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('REDIRECT_LIMIT');
    expect(r.error?.message).toBe(
      'redirect limit reached: 7 redirects in this run (limit 7); last one from "review" to "draft". Hint: make the redirecting hook\'s `when:` stop matching, or raise maxRedirects',
    );
    expect(h.calls['test.echo']).toBe(2 * 8);
  });

  it('the default limit is 100 redirects', async () => {
    const h = hookHarness();
    const r = await settle(
      h.run(wf(`hooks:
  - { id: forever, at: after_step, match: { step: b }, do: { redirect: { to: a } } }
steps:
  - { id: a, set: { x: 1 } }
  - { id: b, set: { y: 1 } }
`)),
    );
    expect(r.error?.code).toBe('REDIRECT_LIMIT');
    expect(r.error?.message).toContain('100 redirects in this run (limit 100)');
  });

  it('a YAML module hook that takes 200 ms on 1 ms steps is switched off by the overhead rule within 10 calls; the run finishes', async () => {
    const h = hookHarness();
    const yaml = wf(`hooks:
  - id: sleepy
    module: ./modules/sleepy.mjs
    at: before_step
steps:
${Array.from({ length: 30 }, (_, i) => `  - { id: s${i + 1}, tool: test.sleep, with: { ms: 1, value: ${i + 1} } }`).join('\n')}
`);
    const r = await settle(h.run(yaml));
    expect(r.status).toBe('completed');
    expect(r.output).toBe(30);
    const called = decided(h.events, 'before_step', 'sleepy');
    expect(called).toHaveLength(10);
    const opened = dataOf(h.events, 'breaker.opened');
    expect(opened).toEqual([expect.objectContaining({ hookId: 'hooks-test:sleepy', p95Ms: 200, opP95Ms: 1 })]);
    // 10 slow calls; the 20 other steps run without the hook (times on the fake clock, from the journal).
    const at = (type: string): number => Date.parse(h.events.find((e) => e.type === type)?.time ?? '');
    expect(at('run.completed') - at('run.started')).toBeLessThan(10 * 201 + 20 * 2 + 100);
    expect(h.engine.breakers().find((b) => b.hookId === 'hooks-test:sleepy')?.state).toBe('open');
  });
});
