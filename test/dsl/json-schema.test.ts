import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { workflowJsonSchema, workflowJsonSchemaText } from '../../src/dsl/json-schema.js';

const repo = path.resolve(import.meta.dirname, '..', '..');
const file = path.join(repo, 'definitions', 'schema', 'workflow.schema.json');

function validator() {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  return ajv.compile(workflowJsonSchema());
}

describe('definitions/schema/workflow.schema.json', () => {
  it('is in sync with the zod schemas', () => {
    const committed = readFileSync(file, 'utf8');
    expect(committed === workflowJsonSchemaText(), 'definitions/schema/workflow.schema.json is out of date: regenerate it with `npx tsx scripts/gen-schema.ts`').toBe(true);
  });

  it('accepts every example workflow and a workflow using every kind', () => {
    const validate = validator();
    const examples = readdirSync(path.join(repo, 'workflows')).filter((f) => f.endsWith('.yaml'));
    for (const f of examples) {
      const ok = validate(parse(readFileSync(path.join(repo, 'workflows', f), 'utf8')));
      expect(ok, `${f}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    const all = parse(`hookflow: 1
name: all-kinds
defaults: { timeout: 5s, retry: { attempts: 2, delay: 100ms, backoff: exponential } }
hooks:
  - { id: h1, at: after_step, do: { fork: { forEach: "\${ output }", steps: [{ id: f1, set: { x: 1 } }] } } }
  - { id: h2, use: cache, with: { ttl: 10m } }
  - { id: h3, at: before_step, compose: vote, threshold: 0.5, hooks: [{ id: h4, module: ./m.js }] }
  - include: security-baseline
steps:
  - { id: t, tool: util.echo, with: { value: 1 }, retry: { attempts: 3 }, catch: [{ id: c, set: { ok: false } }] }
  - { id: p, parallel: [{ id: p1, wait: 1s }, { id: p2, emit: { event: x.y, data: 1 } }], concurrency: 2 }
  - { id: i, if: "\${ true }", then: [{ id: i1, fail: { message: no } }], else: [{ id: i2, agent: researcher }] }
  - { id: s, switch: [{ when: "\${ false }", steps: [{ id: s1, workflow: ./sub.yaml }] }], default: [{ id: s2, steps: [{ id: s3, wait: { signal: go } }] }] }
  - { id: l, loop: { forEach: [1, 2], as: n, concurrency: 2, steps: [{ id: l1, set: { last: "\${ n }" } }] } }
output: \${ steps.t.output }
`);
    expect(validate(all), JSON.stringify(validate.errors)).toBe(true);
  });

  it('rejects unknown keys and wrong shapes', () => {
    const validate = validator();
    expect(validate(parse('hookflow: 1\nname: x\nsteps:\n  - id: a\n    tool: util.echo\n    retries: 3\n'))).toBe(false);
    expect(validate(parse('hookflow: 2\nname: x\nsteps:\n  - id: a\n    set: { v: 1 }\n'))).toBe(false);
    expect(validate(parse('hookflow: 1\nname: x\nsteps:\n  - id: a\n    wait: 5 minutes\n'))).toBe(false);
  });
});
