import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkflowText } from '../../src/dsl/load.js';

const repo = path.resolve(import.meta.dirname, '..', '..');
const sets = readdirSync(path.join(repo, 'definitions', 'hooks'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''));

describe('definitions/hooks example sets', () => {
  it('exist', () => {
    expect(sets.length).toBeGreaterThanOrEqual(3);
  });

  it.each(sets)('%s loads through include: with positions in the set file', (name) => {
    const def = loadWorkflowText(
      `hookflow: 1\nname: uses-${name}\nhooks:\n  - include: ${name}\nsteps:\n  - id: a\n    tool: util.echo\n    with: { value: 1 }\n`,
      path.join(repo, 'workflows', `check-${name}.yaml`),
    );
    expect(def.hooks.length).toBeGreaterThan(0);
    for (const h of def.hooks) expect(h.loc.file).toBe(path.join(repo, 'definitions', 'hooks', `${name}.yaml`));
  });
});
