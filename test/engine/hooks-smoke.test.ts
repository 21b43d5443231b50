import { describe, expect, it } from 'vitest';
import { harness, wf } from '../helpers.js';

describe('hook smoke', () => {
  it('retry hook re-runs a low-confidence step then accepts', async () => {
    const h = harness();
    const r = await h.run(wf(`hooks:
  - id: low-confidence
    at: after_step
    match: { step: classify }
    when: \${ output.confidence < 0.5 }
    do: { retry: { attempts: 2 } }
steps:
  - id: classify
    tool: test.flaky
    with: { key: c, failures: 0, value: { confidence: 0.3 } }
`));
    expect(r.status).toBe('completed');
    expect(h.calls['test.flaky']).toBe(3);
  });

  it('redirect loop hits the limit', async () => {
    const h = harness({ maxRedirects: 5 });
    const r = await h.run(wf(`hooks:
  - id: again
    at: after_step
    match: { step: b }
    do: { redirect: { to: a } }
steps:
  - id: a
    tool: test.echo
    with: { value: 1 }
  - id: b
    tool: test.echo
    with: { value: 2 }
`));
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('REDIRECT_LIMIT');
    expect(h.calls['test.echo']).toBe(12);
  });

  it('fork from after_step over a runtime list', async () => {
    const h = harness();
    const r = await h.run(wf(`hooks:
  - id: fan-out
    at: after_step
    match: { step: plan }
    do:
      fork:
        forEach: "\${ output.tasks }"
        as: task
        concurrency: 2
        steps:
          - id: write
            tool: test.echo
            with: { value: "\${ 'did ' & task }" }
steps:
  - id: plan
    tool: test.echo
    with: { value: { tasks: [a, b, c] } }
  - id: report
    tool: test.echo
    with: { value: "\${ steps.plan.forks }" }
`));
    expect(r.status).toBe('completed');
    expect(r.output).toEqual(['did a', 'did b', 'did c']);
    expect(h.events.filter((e) => e.type === 'step.completed').map((e) => (e.data as { path: string }).path)).toContain('plan#fork[2]/write');
  });

  it('cancel from a before_tool hook honours onError', async () => {
    const h = harness();
    h.engine.hooks.register({ id: 'guard', at: 'before_tool', match: { tool: 'test.fail' }, run: () => ({ action: 'cancel', reason: 'not allowed' }) });
    const r = await h.run(wf(`steps:
  - id: x
    tool: test.fail
    onError: continue
  - id: y
    tool: test.echo
    with: { value: "\${ steps.x.status & ':' & steps.x.error.code }" }
`));
    expect(r.output).toBe('cancelled:HOOK_CANCELLED');
    expect(h.calls['test.fail']).toBeUndefined();
  });

  it('cache hook serves the second step from cache', async () => {
    const h = harness();
    const r = await h.run(wf(`hooks:
  - id: c
    at: before_step
    match: { step: "calc*" }
    do: { cache: { key: fixed, ttl: 1m } }
steps:
  - id: calc1
    tool: test.add
    with: { a: 1, b: 2 }
  - id: calc2
    tool: test.add
    with: { a: 1, b: 2 }
`));
    expect(r.output).toBe(3);
    expect(h.calls['test.add']).toBe(1);
    expect(h.events.some((e) => e.type === 'step.cached')).toBe(true);
  });
});
