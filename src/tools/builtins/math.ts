/**
 * `math.calc`: safe arithmetic over numbers and named variables (see math-expr.ts for the language).
 */
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { defineTool } from './define.js';
import { evaluateMath, parseMath, type MathNode } from './math-expr.js';

// Workflows evaluate the same expression on every loop iteration: parse each text once.
const parsed = new LRUCache<string, MathNode>({ max: 500 });

/** Parses (cached) and evaluates `expression` with `variables`. */
export function calc(expression: string, variables: Readonly<Record<string, number>> = {}): number {
  let ast = parsed.get(expression);
  if (!ast) {
    ast = parseMath(expression);
    parsed.set(expression, ast);
  }
  return evaluateMath(ast, variables, expression);
}

/** `math.calc`. */
export const mathTools = [
  defineTool({
    name: 'math.calc',
    description:
      'Evaluates an arithmetic expression: + - * / % ^, parentheses, unary minus, variables, constants pi and e, functions min max abs round floor ceil trunc sign sqrt pow exp log log10. No code execution.',
    input: z.strictObject({
      expression: z.string().max(10_000),
      variables: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.number()).default({}),
    }),
    output: 'a finite number',
    run: (args) => calc(args.expression, args.variables),
  }),
];
