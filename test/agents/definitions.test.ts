import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findAgents } from '../../src/agents/loader.js';
import { costOf, loadPricing } from '../../src/agents/pricing.js';
import { runAgent } from '../../src/agents/session.js';
import { fakeEnv } from './fakes.js';

const DIR = join(import.meta.dirname, '..', '..', 'definitions', 'agents');

describe('shipped agent definitions', () => {
  it('load: researcher (scripted) and assistant (openai, gpt-4o-mini unless OPENAI_MODEL)', async () => {
    const agents = await findAgents(DIR);
    expect([...agents.keys()].sort()).toEqual(['assistant', 'researcher']);
    expect(agents.get('assistant')).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', openai: { modelEnv: 'OPENAI_MODEL' } });
  });

  it('researcher calls math.calc, then text.template with the result, then answers in JSON with a cost', async () => {
    const researcher = (await findAgents(DIR)).get('researcher');
    if (researcher === undefined) throw new Error('researcher.yaml missing');
    const env = fakeEnv({
      tools: {
        'math.calc': (args) => {
          const [a, b] = (args as { expression: string }).expression.split('*').map(Number);
          return (a ?? 0) * (b ?? 0);
        },
        'text.template': (args) => {
          const { template, data } = args as { template: string; data: Record<string, unknown> };
          return template.replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(data[k]));
        },
      },
    });
    const result = await runAgent(researcher, { prompt: 'Estimate growth of 15% on 1200 units' }, env);
    expect(env.toolLog.map((c) => [c.name, c.args])).toEqual([
      ['math.calc', { expression: '1200 * 0.15' }],
      ['text.template', { template: 'Expected growth: {{amount}} units ({{rate}} of {{base}})', data: { amount: 180, rate: '15%', base: 1200 } }],
    ]);
    expect(result.messages[5]?.content).toBe('Expected growth: 180 units (15% of 1200)');
    expect(result.output).toEqual({ summary: 'Expected growth: 180 units (15% of 1200)', amount: 180, sources: ['math.calc', 'text.template'] });
    expect(result.turns).toBe(3);
    const pricing = await loadPricing();
    const cost = env.usageLog.reduce((sum, u) => sum + (costOf(pricing, u) ?? Number.NaN), 0);
    expect(env.usageLog.every((u) => u.model === 'scripted' && u.inputTokens > 0)).toBe(true);
    expect(cost).toBeGreaterThan(0);
  });

  it('researcher skips the template turn when the calculator disagrees, and still answers', async () => {
    const researcher = (await findAgents(DIR)).get('researcher');
    if (researcher === undefined) throw new Error('researcher.yaml missing');
    const env = fakeEnv({ tools: { 'math.calc': () => 181, 'text.template': () => 'x' } });
    const result = await runAgent(researcher, 'go', env);
    expect(env.toolLog.map((c) => c.name)).toEqual(['math.calc']);
    expect(result.turns).toBe(2);
  });
});
