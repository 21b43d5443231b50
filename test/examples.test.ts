import { describe, expect, it } from 'vitest';
import { main as embed } from '../examples/embed-engine.js';
import { main as steer } from '../examples/steer-with-hooks.js';

describe('examples/ run as written', () => {
  it('embed-engine runs hello.yaml on SQLite and reads the journal', async () => {
    const lines: string[] = [];
    const out = await embed((l) => void lines.push(l));
    expect(out).toEqual({ greeting: 'Hello, Ada!', doubled: 22, shout: 'HELLO, ADA!' });
    expect(lines.filter((l) => l.startsWith('completed '))).toEqual(['completed greet', 'completed measure', 'completed remember']);
    expect(lines.at(-1)).toMatch(/^journal holds 3 step rows and \d+ events$/);
  });

  it('steer-with-hooks cancels, retries and forks from code hooks', async () => {
    const out = await steer(() => undefined);
    expect(out).toEqual({
      written: ['section: intro', 'section: body', 'section: summary'],
      draft: { text: 'draft 2', confidence: 0.9 },
      cleanup: 'HOOK_CANCELLED',
    });
  });
});
