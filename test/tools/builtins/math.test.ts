import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HookflowError } from '../../../src/errors.js';
import { calc } from '../../../src/tools/builtins/math.js';
import { callTool, errorOf } from '../helpers.js';

const run = (expression: string, variables?: Record<string, number>) => callTool('math.calc', variables ? { expression, variables } : { expression });

describe('math.calc', () => {
  it.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['2 ^ 3 ^ 2', 512],
    ['-2 ^ 2', -4],
    ['(-2) ^ 2', 4],
    ['2 ^ -1', 0.5],
    ['7 % 4', 3],
    ['-7 % 4', -3],
    ['--3', 3],
    ['+4', 4],
    ['.5 + 1.5e1 + 2E-1', 15.7],
    ['min(3, 1, 2) + max(4, 9)', 10],
    ['abs(-3) + round(2.5) + floor(2.9) + ceil(2.1) + sqrt(16) + pow(2, 10)', 3 + 3 + 2 + 3 + 4 + 1024],
    ['round(3.14159, 2)', 3.14],
    ['log(e) + log(8, 2) + log10(1000)', 1 + 3 + 3],
    ['2 * pi', 2 * Math.PI],
  ])('%s = %d', async (expression, expected) => {
    expect(await run(expression)).toBeCloseTo(expected, 12);
  });

  it('reads variables, which shadow constants', async () => {
    expect(await run('price * qty * (1 - discount)', { price: 10, qty: 3, discount: 0.5 })).toBe(15);
    expect(await run('e + 1', { e: 1 })).toBe(2);
  });

  it.each([
    ['2 + * 3', 5, 'expected a number, a name or "("'],
    ['(1 + 2', 7, 'expected ")" to close "(" at column 1'],
    ['1 2', 3, 'expected an operator, found "2"'],
    ['   ', 4, 'expected an expression'],
    ['2 + foo(1)', 5, 'unknown function "foo"'],
    ['1 + sqrt(1, 2)', 5, 'sqrt() takes 1 argument, got 2'],
    ['min()', 1, 'min() takes at least 1 argument'],
    ['3 + 1.2.3', 5, 'malformed number "1.2."'],
    ['2x', 1, 'malformed number'],
    ['1 + $', 5, 'found "$"'],
    ['max(1; 2)', 6, 'expected "," or ")"'],
  ])('syntax error in %j is reported at column %d', async (expression, column, message) => {
    const err = await errorOf(() => run(expression));
    expect(err.code).toBe('TOOL_ERROR');
    expect(err.message).toContain(message);
    expect(err.message).toContain(`at column ${column}`);
    expect(err.details).toMatchObject({ column, expression });
    expect(err.message).not.toContain('\n');
  });

  it('reports unknown variables, division by zero and non-finite results with their column', async () => {
    expect((await errorOf(() => run('a + b', { a: 1 }))).message).toMatch(/unknown variable "b" \(variables: a\) at column 5/);
    expect((await errorOf(() => run('1 / (2 - 2)'))).message).toContain('division by zero at column 3');
    expect((await errorOf(() => run('5 % 0'))).message).toContain('modulo by zero at column 3');
    expect((await errorOf(() => run('sqrt(-1)'))).message).toContain('not a finite number');
    expect((await errorOf(() => run('10 ^ 400'))).message).toContain('not a finite number (Infinity)');
  });

  it('refuses absurd nesting instead of overflowing the stack', async () => {
    const deep = `${'('.repeat(3000)}1${')'.repeat(3000)}`;
    expect((await errorOf(() => run(deep))).message).toContain('nested deeper than');
    expect((await errorOf(() => run('-'.repeat(5000) + '1'))).message).toContain('nested deeper than');
  });

  it('validates its input', async () => {
    expect((await errorOf(() => run('x', { x: 'one' as unknown as number }))).message).toContain('with.variables.x: expected number, got string');
    expect((await errorOf(() => callTool('math.calc', { expression: 'x', variables: { 'bad name': 1 } }))).code).toBe('TOOL_INPUT');
  });
});

// ---- property tests against a reference evaluator over generated syntax trees ----

type Node =
  | { k: 'num'; v: number }
  | { k: 'var'; name: 'x' | 'y' | 'z' }
  | { k: 'neg'; a: Node; paren: boolean }
  | { k: 'bin'; op: '+' | '-' | '*' | '/' | '%' | '^'; a: Node; b: Node; paren: boolean; sp: boolean }
  | { k: 'call'; fn: 'min' | 'max' | 'abs' | 'floor' | 'ceil' | 'sqrt' | 'round'; args: Node[] };

const VARS = { x: 3, y: -2.5, z: 0 };

const { node } = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constantFrom(0.5, 1.25, 1e-3, 2.5e10, 1e21)).map((v): Node => ({ k: 'num', v })),
    fc.constantFrom('x', 'y', 'z').map((name): Node => ({ k: 'var', name })),
    fc.record({ k: fc.constant('neg' as const), a: tie('node'), paren: fc.boolean() }),
    fc.record({
      k: fc.constant('bin' as const),
      op: fc.constantFrom('+', '-', '*', '/', '%', '^'),
      a: tie('node'),
      b: tie('node'),
      paren: fc.boolean(),
      sp: fc.boolean(),
    }),
    fc.oneof(
      fc.record({ k: fc.constant('call' as const), fn: fc.constantFrom('abs', 'floor', 'ceil', 'sqrt', 'round'), args: fc.array(tie('node'), { minLength: 1, maxLength: 1 }) }),
      fc.record({ k: fc.constant('call' as const), fn: fc.constantFrom('min', 'max'), args: fc.array(tie('node'), { minLength: 1, maxLength: 3 }) }),
    ),
  ) as fc.Arbitrary<Node>,
}));

/** Precedence of a node as printed: + - 1, * / % 2, unary minus 3, ^ 4, atoms 5. */
function prec(n: Node): number {
  if (n.k === 'bin') return n.op === '+' || n.op === '-' ? 1 : n.op === '^' ? 4 : 2;
  if (n.k === 'neg') return 3;
  return 5;
}

function print(n: Node, min = 0): string {
  let s: string;
  let forced = false;
  switch (n.k) {
    case 'num':
      return String(n.v);
    case 'var':
      return n.name;
    case 'call':
      return `${n.fn}(${n.args.map((a) => print(a)).join(', ')})`;
    case 'neg':
      s = `-${print(n.a, 3)}`;
      forced = n.paren;
      break;
    case 'bin': {
      const p = prec(n);
      // Left-associative levels need a tighter right side; ^ is right-associative with a primary base.
      const [l, r] = n.op === '^' ? [5, 3] : [p, p + 1];
      const sp = n.sp ? ' ' : '';
      s = `${print(n.a, l)}${sp}${n.op}${sp}${print(n.b, r)}`;
      forced = n.paren;
      break;
    }
  }
  return forced || prec(n) < min ? `(${s})` : s;
}

class RefError extends Error {}

function ref(n: Node): number {
  switch (n.k) {
    case 'num':
      return n.v;
    case 'var':
      return VARS[n.name];
    case 'neg':
      return -ref(n.a);
    case 'call': {
      const args = n.args.map(ref);
      const f = { min: Math.min, max: Math.max, abs: Math.abs, floor: Math.floor, ceil: Math.ceil, sqrt: Math.sqrt, round: Math.round }[n.fn];
      return f(...(args as [number]));
    }
    case 'bin': {
      const a = ref(n.a);
      const b = ref(n.b);
      if ((n.op === '/' || n.op === '%') && b === 0) throw new RefError('zero');
      return { '+': a + b, '-': a - b, '*': a * b, '/': a / b, '%': a % b, '^': Math.pow(a, b) }[n.op];
    }
  }
}

describe('math.calc properties', () => {
  it('agrees with a reference evaluator on generated expressions (precedence-aware printing)', () => {
    fc.assert(
      fc.property(node, (tree) => {
        const text = print(tree);
        let expected: number | 'error';
        try {
          expected = ref(tree);
          if (!Number.isFinite(expected)) expected = 'error';
        } catch (err) {
          if (!(err instanceof RefError)) throw err;
          expected = 'error';
        }
        if (expected === 'error') {
          expect(() => calc(text, VARS)).toThrow(HookflowError);
        } else {
          expect(Object.is(calc(text, VARS), expected) || calc(text, VARS) === expected).toBe(true);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('never throws anything but a TOOL_ERROR with a column inside the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789.+-*/%^() ,xyzabcemin_$'.split('')), maxLength: 40 }), (text) => {
        try {
          expect(Number.isFinite(calc(text, VARS))).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(HookflowError);
          const e = err as HookflowError;
          expect(e.code).toBe('TOOL_ERROR');
          const col = (e.details as { column: number }).column;
          expect(col).toBeGreaterThanOrEqual(1);
          expect(col).toBeLessThanOrEqual(text.length + 1);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
