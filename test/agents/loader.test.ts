import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { checkAgentDefinition, findAgents, loadAgentDefinition, parseAgentDefinition } from '../../src/agents/loader.js';
import { HookflowError } from '../../src/errors.js';
import { def } from './fakes.js';

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HookflowError);
    expect((err as HookflowError).code).toBe('VALIDATION');
    return (err as HookflowError).message;
  }
  throw new Error('expected a VALIDATION error');
}

async function rejected(p: Promise<unknown>): Promise<HookflowError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(HookflowError);
  return e as HookflowError;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hookflow-agents-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('parseAgentDefinition: valid files', () => {
  it('normalizes every key', () => {
    const text = `
name: helper
description: Helps.
provider: openai
model: gpt-4o
system: Be brief.
tools: [math.calc, text.template]
output: json
limits: { maxTurns: 3, timeoutMs: 2s, maxTokens: 256 }
recovery: { maxRecoveries: 1, backoffMs: 250ms, maxRateLimitPauses: 2 }
temperature: 0.5
openai: { baseUrlEnv: LLM_URL, apiKeyEnv: LLM_KEY, modelEnv: LLM_MODEL, baseUrl: "http://localhost:1234/v1", stream: true, retries: 4 }
`;
    expect(parseAgentDefinition(text, 'agents/helper.yaml')).toEqual({
      name: 'helper',
      description: 'Helps.',
      provider: 'openai',
      model: 'gpt-4o',
      system: 'Be brief.',
      tools: ['math.calc', 'text.template'],
      output: 'json',
      limits: { maxTurns: 3, timeoutMs: 2000, maxTokens: 256 },
      recovery: { maxRecoveries: 1, backoffMs: 250, maxRateLimitPauses: 2 },
      temperature: 0.5,
      openai: { baseUrlEnv: 'LLM_URL', apiKeyEnv: 'LLM_KEY', modelEnv: 'LLM_MODEL', baseUrl: 'http://localhost:1234/v1', stream: true, retries: 4 },
      file: resolve('agents/helper.yaml'),
    });
  });

  it('applies defaults and takes the name from the file', () => {
    const text = 'provider: scripted\nscript:\n  - content: hi\n  - toolCalls: [{ name: math.calc }]\n    when: go\n  - error: { code: PROVIDER_HTTP }\n';
    expect(parseAgentDefinition(text, '/x/echo-bot.yaml')).toEqual({
      name: 'echo-bot',
      provider: 'scripted',
      model: 'scripted',
      tools: [],
      output: 'text',
      limits: { maxTurns: 8 },
      recovery: { maxRecoveries: 2, backoffMs: 500, maxRateLimitPauses: 5 },
      script: [
        { content: 'hi' },
        { toolCalls: [{ name: 'math.calc', arguments: {} }], when: 'go' },
        { error: { code: 'PROVIDER_HTTP', message: 'scripted failure', retryable: true } },
      ],
      file: '/x/echo-bot.yaml',
    });
  });

  it('round-trips generated definitions', () => {
    const tool = fc.stringMatching(/^[a-z]{1,6}(\.[a-z]{1,6})?$/);
    fc.assert(
      fc.property(
        fc.record({
          maxTurns: fc.integer({ min: 1, max: 100 }),
          maxRecoveries: fc.integer({ min: 0, max: 10 }),
          backoffMs: fc.integer({ min: 0, max: 100_000 }),
          tools: fc.uniqueArray(tool, { maxLength: 5 }),
          system: fc.string({ maxLength: 30 }),
          temperature: fc.double({ min: 0, max: 2, noNaN: true }),
        }),
        (r) => {
          const text = stringify({
            provider: 'openai', model: 'm', system: r.system, tools: r.tools, temperature: r.temperature,
            limits: { maxTurns: r.maxTurns }, recovery: { maxRecoveries: r.maxRecoveries, backoffMs: `${r.backoffMs}ms` },
          });
          const d = parseAgentDefinition(text, 'gen.yaml');
          expect(d).toMatchObject({
            name: 'gen', system: r.system, tools: r.tools, temperature: r.temperature,
            limits: { maxTurns: r.maxTurns }, recovery: { maxRecoveries: r.maxRecoveries, backoffMs: r.backoffMs },
          });
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('parseAgentDefinition: invalid files report file:line:col', () => {
  it('reports every problem in source order with expected/found and did-you-mean', () => {
    const text = [
      'name: x', //                                   1
      'provider: scriptd', //                         2
      'model: m', //                                  3
      'limits:', //                                   4
      '  maxTurn: 3', //                              5
      '  timeoutMs: soon', //                         6
      'tools: [math.calc, 5]', //                     7
      'recovery: { maxRecoveries: -1 }', //           8
      'script:', //                                   9
      '  - {}', //                                    10
      'temprature: 1', //                             11
    ].join('\n');
    expect(messageOf(() => parseAgentDefinition(text, 'agents/x.yaml')).split('\n')).toEqual([
      'agents/x.yaml:2:11: provider: expected one of "openai", "scripted", found "scriptd" (did you mean "scripted"?)',
      'agents/x.yaml:5:3: limits.maxTurn: unknown key "maxTurn" (did you mean "maxTurns"?); allowed keys: maxTurns, timeoutMs, maxTokens',
      'agents/x.yaml:6:14: limits.timeoutMs: expected a duration like 500, "500ms" or "2s", found "soon"',
      'agents/x.yaml:7:20: tools[1]: expected a string, found 5 (number)',
      'agents/x.yaml:8:28: recovery.maxRecoveries: expected a number >= 0, found -1 (number)',
      'agents/x.yaml:10:5: script[0]: a script turn needs `content`, `toolCalls` or `error`',
      'agents/x.yaml:11:1: temprature: unknown key "temprature" (did you mean "temperature"?); allowed keys: name, description, provider, model, system, tools, output, limits, recovery, temperature, openai, script',
    ]);
  });

  it('points missing keys at their mapping and cross-checks provider settings', () => {
    expect(messageOf(() => parseAgentDefinition('model: m\ntools: []\n', 'a.yaml'))).toBe('a.yaml:1:1: provider: missing required key "provider" (one of "openai", "scripted")');
    expect(messageOf(() => parseAgentDefinition('provider: openai\nscript:\n  - content: hi\n', 'b.yaml')).split('\n')).toEqual([
      'b.yaml:1:1: model: provider "openai" needs `model:` (e.g. gpt-4o-mini)',
      'b.yaml:3:3: script: `script` only applies to provider: scripted; remove it or set provider: scripted',
    ]);
    expect(messageOf(() => parseAgentDefinition('provider: scripted\nopenai: { stream: true }\n', 'c.yaml')).split('\n')).toEqual([
      'c.yaml:1:1: script: provider "scripted" needs a `script:` list of turns',
      'c.yaml:2:9: openai: `openai` settings only apply to provider: openai',
    ]);
  });

  it('checks nested script entries', () => {
    const text = 'provider: scripted\nscript:\n  - toolCalls:\n      - name: "bad name"\n        args: {}\n  - content: 42\n';
    expect(messageOf(() => parseAgentDefinition(text, 'd.yaml')).split('\n')).toEqual([
      'd.yaml:4:15: script[0].toolCalls[0].name: expected a dotted tool name like math.calc, found "bad name"',
      'd.yaml:5:9: script[0].toolCalls[0].args: unknown key "args"; allowed keys: name, arguments',
      'd.yaml:6:14: script[1].content: expected a string or a mapping or a list, found 42 (number)',
    ]);
  });

  it('reports YAML syntax errors, non-mappings and bad file names', () => {
    expect(messageOf(() => parseAgentDefinition('provider: openai\nmodel: [gpt\n', 'e.yaml'))).toMatch(/^e\.yaml:3:1: invalid YAML: /);
    expect(messageOf(() => parseAgentDefinition('provider: a\nprovider: b\n', 'f.yaml'))).toBe('f.yaml:2:1: invalid YAML: Map keys must be unique');
    expect(messageOf(() => parseAgentDefinition('- a\n- b\n', 'g.yaml'))).toBe('g.yaml:1:1: expected a mapping of agent settings (provider, model, tools...), found a list');
    expect(messageOf(() => parseAgentDefinition('', 'h.yaml'))).toBe('h.yaml:1:1: expected a mapping of agent settings (provider, model, tools...), found an empty document');
    expect(messageOf(() => parseAgentDefinition('provider: scripted\nscript: [{content: x}]\n', 'My Agent.yaml'))).toBe(
      'My Agent.yaml:1:1: name: the file name "My Agent" is not a valid agent name; add `name:` (lower-case letters, digits, ".", "_", "-")',
    );
  });

  it('keeps the issues as data in details', () => {
    try {
      parseAgentDefinition('provider: openai\nmodel: ""\n', 'i.yaml');
      expect.unreachable();
    } catch (err) {
      expect((err as HookflowError).details).toEqual({ issues: [{ file: 'i.yaml', line: 2, col: 8, path: 'model', message: 'expected a non-empty string, found ""' }] });
    }
  });
});

describe('loadAgentDefinition and findAgents', () => {
  it('loads a file and reports a missing one as AGENT_NOT_FOUND', async () => {
    const file = join(dir, 'solo.yaml');
    await writeFile(file, 'provider: scripted\nscript: [{ content: hi }]\n');
    expect((await loadAgentDefinition(file)).name).toBe('solo');
    const err = await rejected(loadAgentDefinition(join(dir, 'missing.yaml')));
    expect(err.code).toBe('AGENT_NOT_FOUND');
    expect(err.message).toContain('missing.yaml: no such file');
  });

  it('maps every yaml file by agent name and ignores other files', async () => {
    const d = join(dir, 'ok');
    await mkdir(d);
    await writeFile(join(d, 'one.yaml'), 'provider: scripted\nscript: [{ content: a }]\n');
    await writeFile(join(d, 'two.yml'), 'name: second\nprovider: openai\nmodel: gpt-4o-mini\n');
    await writeFile(join(d, 'notes.txt'), 'not an agent');
    const agents = await findAgents(d);
    expect([...agents.keys()]).toEqual(['one', 'second']);
    expect(agents.get('second')?.file).toBe(join(d, 'two.yml'));
  });

  it('collects invalid files and duplicate names into one error', async () => {
    const d = join(dir, 'bad');
    await mkdir(d);
    await writeFile(join(d, 'a.yaml'), 'name: dup\nprovider: scripted\nscript: [{ content: a }]\n');
    await writeFile(join(d, 'b.yaml'), 'name: dup\nprovider: scripted\nscript: [{ content: b }]\n');
    await writeFile(join(d, 'c.yaml'), 'provider: scripted\nscript: []\n');
    const err = await rejected(findAgents(d));
    expect(err.code).toBe('VALIDATION');
    expect(err.message.split('\n')).toEqual([
      `${join(d, 'b.yaml')}:1:1: name: agent "dup" is already defined in ${join(d, 'a.yaml')}; agent names must be unique`,
      `${join(d, 'c.yaml')}:2:9: script: expected at least 1 item, found 0`,
    ]);
  });

  it('treats a missing directory as no agents', async () => {
    expect((await findAgents(join(dir, 'nope'))).size).toBe(0);
  });
});

describe('checkAgentDefinition', () => {
  it('accepts a valid in-code definition and explains an invalid one', () => {
    expect(() => checkAgentDefinition(def())).not.toThrow();
    expect(messageOf(() => checkAgentDefinition(def({ name: 'Bad', recovery: { maxRecoveries: 1.5, backoffMs: 1 } })))).toBe(
      'agent "Bad" (/defs/tester.yaml): invalid definition: name: expected an agent name of lower-case letters, digits, ".", "_" or "-" (e.g. researcher), found "Bad"; recovery.maxRecoveries: expected an integer, found 1.5 (number)',
    );
  });
});
