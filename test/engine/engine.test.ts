/**
 * Engine entry points: RunOptions (runId, onCreated) and what is refused before a run exists.
 */
import { describe, expect, it } from 'vitest';
import { loadWorkflowText } from '../../src/index.js';
import { harness, wf } from '../helpers.js';

describe('engine.run options', () => {
  it('onCreated is called once the run exists, before any hook or step', async () => {
    const h = harness();
    const order: string[] = [];
    h.engine.hooks.register({ id: 'first', at: 'run_start', run: () => void order.push('run_start') });
    const def = loadWorkflowText(wf(`steps:
  - { id: a, tool: test.echo, with: { value: 1 } }
`), '/virtual/created.yaml');
    const seen: Array<string | undefined> = [];
    const r = await h.engine.run(def, {}, {
      runId: 'made-1',
      onCreated: (id) => {
        order.push(`created ${id}`);
        void Promise.resolve(h.engine.store.getRun(id)).then((run) => seen.push(run?.status));
      },
    });
    expect(r.status).toBe('completed');
    expect(order).toEqual(['created made-1', 'run_start']);
    expect(seen).toEqual(['running']);
  });

  it('onCreated is not called when the input, a tool or the run id is refused', async () => {
    const h = harness();
    const created: string[] = [];
    const onCreated = (id: string): void => void created.push(id);
    const strict = loadWorkflowText(wf(`input: { type: object, required: [n], properties: { n: { type: number } } }
steps:
  - { id: a, tool: test.echo }
`), '/virtual/strict.yaml');
    await expect(h.engine.run(strict, {}, { onCreated })).rejects.toMatchObject({ code: 'INPUT' });
    const unknown = loadWorkflowText(wf(`steps:
  - { id: a, tool: no.such.tool }
`), '/virtual/unknown.yaml');
    await expect(h.engine.run(unknown, {}, { onCreated })).rejects.toMatchObject({ code: 'VALIDATION' });
    await h.engine.run(strict, { n: 1 }, { runId: 'taken', onCreated });
    await expect(h.engine.run(strict, { n: 2 }, { runId: 'taken', onCreated })).rejects.toMatchObject({ code: 'RUN_EXISTS' });
    expect(created).toEqual(['taken']);
  });
});
