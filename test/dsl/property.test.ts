/**
 * Property tests of the loader: whatever text it is given, it either returns a definition or throws a
 * ValidationError whose diagnostics all carry a position; valid generated documents always load.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadWorkflowText, ValidationError } from '../../src/dsl/load.js';
import type { WorkflowDefinition } from '../../src/dsl/types.js';

const dir = path.resolve(import.meta.dirname, '..', '..', 'workflows');
const examples = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => readFileSync(path.join(dir, f), 'utf8'));

/** Loads and checks the contract: a definition, or a ValidationError with positioned diagnostics. */
function loadOrDiagnose(text: string): WorkflowDefinition | undefined {
  try {
    return loadWorkflowText(text, 'prop.yaml');
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    expect(err.diagnostics.length).toBeGreaterThan(0);
    for (const d of err.diagnostics) {
      expect(d.line, d.message).toBeGreaterThanOrEqual(1);
      expect(d.col, d.message).toBeGreaterThanOrEqual(1);
      expect(d.message.length).toBeGreaterThan(0);
    }
    return undefined;
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path to a node of a JSON value. */
function paths(v: Json, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
  return out;
}

type Mutation = { kind: 'drop' | 'rename' | 'replace' | 'insert'; pick: number; key: string; value: Json };

function mutate(doc: Json, m: Mutation): Json {
  const copy = structuredClone(doc);
  const all = paths(copy).filter((p) => p.length > 0);
  const target = all[m.pick % all.length];
  if (!target) return m.value;
  const parentPath = target.slice(0, -1);
  let parent: Json = copy;
  for (const seg of parentPath) parent = (parent as Record<string | number, Json>)[seg] as Json;
  const last = target[target.length - 1] as string | number;
  const container = parent as Record<string | number, Json>;
  switch (m.kind) {
    case 'drop':
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete container[last];
      break;
    case 'rename':
      if (!Array.isArray(parent) && typeof last === 'string') {
        container[m.key] = container[last] as Json;
        delete container[last];
      } else container[last] = m.value;
      break;
    case 'replace':
      container[last] = m.value;
      break;
    case 'insert':
      if (Array.isArray(parent)) parent.splice(last as number, 0, m.value);
      else container[m.key] = m.value;
      break;
  }
  return copy;
}

const keyArb = fc.oneof(
  fc.constantFrom('id', 'tool', 'steps', 'then', 'else', 'loop', 'forEach', 'retry', 'attempts', 'timeout', 'hooks', 'at', 'do', 'with', 'stpes', 'iff', '__proto__', 'constructor'),
  fc.string({ maxLength: 8 }),
);
const valueArb: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
  fc.constantFrom<Json>('${ input.( }', '${ steps.nope.output }', '5 minutes', '${', '$${ x }', -1, 0, [], {}, null, 'util.echo', 'before_step'),
);
const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('drop', 'rename', 'replace', 'insert'),
  pick: fc.nat(),
  key: keyArb,
  value: valueArb,
});

describe('loader properties', () => {
  it('the unmutated examples load', () => {
    for (const text of examples) expect(loadOrDiagnose(text)).toBeDefined();
  });

  it('mutated examples load or fail with positioned ValidationErrors only', () => {
    // `input:` JSON Schemas are left out: every mutated schema would cost an ajv compile, and ajv's
    // behaviour is not what this property is about (the corpus covers input-schema diagnostics).
    const docs = examples.map((t) => {
      const { input: _input, ...rest } = parse(t) as Record<string, Json>;
      return rest as Json;
    });
    fc.assert(
      fc.property(fc.nat({ max: docs.length - 1 }), fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (which, muts) => {
        let doc = docs[which] as Json;
        for (const m of muts) doc = mutate(doc, m);
        loadOrDiagnose(stringify(doc));
      }),
      { numRuns: 200 },
    );
  });

  it('random text and random JSON documents never throw anything but ValidationError', () => {
    const yamlish = fc
      .array(fc.constantFrom('hookflow: 1\n', 'name: x\n', 'steps:\n', '  - id: a\n', '    tool: t\n', '  - ', '{', '}', '[', ']', ': ', '- ', '  ', '\n', '${ ', '"', "'", '&a ', '*a', '!tag ', '---\n', '#c\n', 'x'), { maxLength: 25 })
      .map((p) => p.join(''));
    fc.assert(
      fc.property(fc.oneof(yamlish, fc.string({ maxLength: 80 }), (fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>).map((v) => stringify(v))), (text) => {
        loadOrDiagnose(text);
      }),
      { numRuns: 250 },
    );
  });

  it('generated valid workflows load, with every step in stepsById', () => {
    type Gen = { kind: string; raw: (id: () => string) => Record<string, unknown> };
    const leaf: fc.Arbitrary<Gen> = fc.constantFrom<Gen>(
      { kind: 'set', raw: (id) => ({ id: id(), set: { v: '${ 1 + 1 }' } }) },
      { kind: 'wait', raw: (id) => ({ id: id(), wait: '5ms' }) },
      { kind: 'emit', raw: (id) => ({ id: id(), emit: { event: 'x.y', data: { a: 1 } } }) },
      { kind: 'tool', raw: (id) => ({ id: id(), tool: 'util.echo', with: { value: '${ input }' }, retry: { attempts: 2, delay: '1s' } }) },
      { kind: 'fail', raw: (id) => ({ id: id(), fail: { message: 'x' } }) },
    );
    const step: fc.Memo<Gen> = fc.memo((n) => {
      if (n <= 1) return leaf;
      const list = fc.array(step(n - 1), { minLength: 1, maxLength: 3 });
      return fc.oneof(
        leaf,
        list.map((xs): Gen => ({ kind: 'sequence', raw: (id) => ({ id: id(), steps: xs.map((x) => x.raw(id)) }) })),
        list.map((xs): Gen => ({ kind: 'parallel', raw: (id) => ({ id: id(), parallel: xs.map((x) => x.raw(id)), concurrency: 2 }) })),
        fc.tuple(list, list).map(([a, b]): Gen => ({ kind: 'if', raw: (id) => ({ id: id(), if: '${ true }', then: a.map((x) => x.raw(id)), else: b.map((x) => x.raw(id)) }) })),
        list.map((xs): Gen => ({ kind: 'switch', raw: (id) => ({ id: id(), switch: [{ when: '${ false }', steps: xs.map((x) => x.raw(id)) }] }) })),
        list.map((xs): Gen => ({ kind: 'loop', raw: (id) => ({ id: id(), loop: { times: 2, steps: xs.map((x) => x.raw(id)) } }) })),
      );
    });
    fc.assert(
      fc.property(fc.array(step(4), { minLength: 1, maxLength: 4 }), (gens) => {
        let n = 0;
        const id = (): string => `s${n++}`;
        const doc = { hookflow: 1, name: 'generated', steps: gens.map((g) => g.raw(id)) };
        const def = loadOrDiagnose(stringify(doc));
        expect(def).toBeDefined();
        expect(def?.stepsById.size).toBe(n);
        expect(def?.steps.map((s) => s.kind)).toEqual(gens.map((g) => g.kind));
      }),
      { numRuns: 100 },
    );
  });
});
