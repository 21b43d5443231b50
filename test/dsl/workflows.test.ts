/**
 * The example workflows: each validates using only the built-in tools the examples may use, together
 * they nest every pattern inside every other, and each documented `Run:`/`Output:` pair in a header
 * comment is what the engine actually produces.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkflowFile } from '../../src/dsl/load.js';
import type { StepDef, StepKind } from '../../src/dsl/types.js';
import { childLists } from '../../src/dsl/walk.js';
import { createEngine, MemoryStore } from '../../src/index.js';

const dir = path.resolve(import.meta.dirname, '..', '..', 'workflows');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const EXAMPLE_TOOLS = ['util.echo', 'text.template', 'math.calc', 'json.query', 'util.sleep', 'util.hash'];

type Pattern = 'sequential' | 'parallel' | 'conditional' | 'loop';
const PATTERN: Partial<Record<StepKind, Pattern>> = { sequence: 'sequential', parallel: 'parallel', if: 'conditional', switch: 'conditional', loop: 'loop' };

interface Example {
  input: unknown;
  output?: unknown;
  error?: { code: string; message: string };
}

/**
 * Reads the `Run: hookflow run <file> [--input '…']` / `Output: {…}` (or `Error: {…}`) pairs of a
 * header comment; a Run line without --input runs with `{}`.
 */
function examplesOf(text: string): Example[] {
  const header = text
    .split('\n')
    .filter((l) => l.startsWith('#'))
    .map((l) => l.replace(/^# ?/, ''))
    .join('\n');
  const out: Example[] = [];
  const re = /Run:([\s\S]*?)(Output|Error):\s*/g;
  for (let m = re.exec(header); m; m = re.exec(header)) {
    const input = /--input\s+(?:\\\s+)?'([^']*)'/.exec(m[1] as string)?.[1];
    const json = balanced(header, re.lastIndex);
    re.lastIndex += json.length;
    const value = JSON.parse(json.replace(/\n\s*/g, '')) as unknown;
    const parsedInput: unknown = input === undefined ? {} : JSON.parse(input);
    out.push(m[2] === 'Output' ? { input: parsedInput, output: value } : { input: parsedInput, error: value as Example['error'] });
  }
  return out;
}

function balanced(s: string, from: number): string {
  let depth = 0;
  let inString = false;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if ((c === '}' || c === ']') && --depth === 0) return s.slice(from, i + 1);
  }
  throw new Error(`unbalanced JSON after offset ${from}`);
}

describe('workflows/', () => {
  it('has at least six examples', () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
  });

  it.each(files)('%s validates with only the example tools', async (file) => {
    const def = await loadWorkflowFile(path.join(dir, file), { toolNames: EXAMPLE_TOOLS });
    expect(def.name).toBe(file.replace(/\.yaml$/, ''));
  });

  it('nests every pattern inside every other pattern', async () => {
    const pairs = new Set<string>();
    const visit = (s: StepDef, outer: Pattern | undefined): void => {
      const mine = PATTERN[s.kind];
      if (outer && mine) pairs.add(`${outer}>${mine}`);
      for (const list of childLists(s)) for (const c of list) visit(c, mine ?? outer);
    };
    for (const f of files) for (const s of (await loadWorkflowFile(path.join(dir, f))).steps) visit(s, undefined);
    const patterns: Pattern[] = ['sequential', 'parallel', 'conditional', 'loop'];
    const missing = patterns.flatMap((a) => patterns.filter((b) => a !== b && !pairs.has(`${a}>${b}`)).map((b) => `${b} inside ${a}`));
    expect(missing).toEqual([]);
  });

  it.each(files)('%s documents its input and output in the header, and they hold', async (file) => {
    const text = readFileSync(path.join(dir, file), 'utf8');
    expect(text.startsWith(`# ${file.replace(/\.yaml$/, '')}: `)).toBe(true);
    const examples = examplesOf(text);
    expect(examples.length).toBeGreaterThan(0);
    const engine = createEngine({ store: new MemoryStore() });
    for (const ex of examples) {
      const r = await engine.run(path.join(dir, file), ex.input);
      if (ex.error) {
        expect(r.status).toBe('failed');
        expect(r.error).toMatchObject(ex.error);
      } else {
        expect(r.error ?? null).toBeNull();
        expect(r.status).toBe('completed');
        expect(r.output).toEqual(ex.output);
      }
    }
  });
});
