/**
 * The invalid corpus: every test/dsl/invalid/NN-name.yaml has a sidecar NN-name.expected holding the
 * exact diagnostics (one formatted line each, in order). Paths are shown relative to the corpus folder;
 * files of the fixture definitions folder as `<defs>/…`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, loadWorkflowText, validateWorkflowText, ValidationError } from '../../src/dsl/load.js';

const dir = path.resolve(import.meta.dirname, 'invalid');
const defs = path.resolve(import.meta.dirname, 'fixtures', 'definitions');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const options = {
  definitionsDir: defs,
  toolNames: ['util.echo', 'text.template', 'math.calc', 'json.query', 'util.sleep', 'util.hash'],
  agentNames: ['researcher'],
};

function diagnose(file: string): string[] {
  const abs = path.join(dir, file);
  const r = validateWorkflowText(readFileSync(abs, 'utf8'), abs, options);
  expect(r.definition).toBeUndefined();
  return r.diagnostics.map((d) => formatDiagnostic(d).split(defs).join('<defs>').split(`${dir}${path.sep}`).join(''));
}

describe('invalid corpus', () => {
  it('has at least 40 files, each with a sidecar', () => {
    expect(files.length).toBeGreaterThanOrEqual(40);
    for (const f of files) expect(readdirSync(dir), f).toContain(f.replace(/\.yaml$/, '.expected'));
  });

  it.each(files)('%s yields exactly the expected diagnostics', (file) => {
    const expected = readFileSync(path.join(dir, file.replace(/\.yaml$/, '.expected')), 'utf8').trimEnd().split('\n');
    expect(diagnose(file)).toEqual(expected);
  });

  it('loadWorkflowText throws a ValidationError whose message is the same lines', () => {
    const abs = path.join(dir, '18-malformed-retry.yaml');
    let err: unknown;
    try {
      loadWorkflowText(readFileSync(abs, 'utf8'), abs, options);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).message.split(`${dir}${path.sep}`).join('')).toBe(diagnose('18-malformed-retry.yaml').join('\n'));
  });

  it('covers every static check of the loader', () => {
    const all = files.flatMap(diagnose).join('\n');
    const checks = [
      'unknown key', // unknown keys
      'did you mean', // suggestions
      'missing required key', // required keys
      'found a list', // wrong types
      'step has no kind',
      'step has 2 kinds',
      'duplicate step id',
      'invalid value for "then"',
      '"else" without "if": it belongs to an "if" step',
      '"then" without "if"',
      'loop has no mode',
      'loop has 2 modes',
      'invalid value for "concurrency" (at steps[0].concurrency)', // parallel concurrency < 1
      'invalid value for "concurrency" (at steps[0].loop.concurrency)', // loop concurrency < 1
      'needs forEach',
      'expected a duration',
      'invalid expression:',
      'unknown step "fetchh" in expression',
      'unknown tool',
      'unknown agent',
      'redirect to unknown step',
      'cannot return "retry" at before_step',
      'invalid value for "name"',
      'invalid value for "id"',
      'invalid value for "hookflow"',
      'YAML syntax error',
      'Map keys must be unique',
      'duplicate hook id',
      'hook set "security-baselin" not found',
      'include cycle',
      'not in the env allow-list',
      'expressions are not evaluated in vars',
      'invalid input schema',
    ];
    for (const c of checks) expect(all, c).toContain(c);
  });
});
