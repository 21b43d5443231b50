/**
 * The arithmetic language of `math.calc`: a hand-written recursive-descent parser (no eval) producing a
 * small AST, and its evaluator.
 *
 * Grammar, lowest precedence first (`^` is right-associative and binds tighter than unary minus, so
 * `-2^2` is -4 and `2^-1` is 0.5):
 *   expr    := term (('+' | '-') term)*
 *   term    := unary (('*' | '/' | '%') unary)*
 *   unary   := ('-' | '+') unary | power
 *   power   := primary ('^' unary)?
 *   primary := number | name | name '(' expr (',' expr)* ')' | '(' expr ')'
 */
import { ErrorCode, HookflowError, assertNever } from '../../errors.js';

/** A parsed expression; `col` is the 1-based column of the node's first character (for errors). */
export type MathNode =
  | { kind: 'num'; value: number; col: number }
  | { kind: 'var'; name: string; col: number }
  | { kind: 'neg'; arg: MathNode; col: number }
  | { kind: 'bin'; op: '+' | '-' | '*' | '/' | '%' | '^'; left: MathNode; right: MathNode; col: number }
  | { kind: 'call'; name: string; args: MathNode[]; col: number };

/** Functions callable from expressions, with their allowed argument counts. */
export const MATH_FUNCTIONS: Readonly<Record<string, { min: number; max: number; fn: (...a: number[]) => number }>> = {
  min: { min: 1, max: Infinity, fn: Math.min },
  max: { min: 1, max: Infinity, fn: Math.max },
  abs: { min: 1, max: 1, fn: Math.abs },
  round: { min: 1, max: 2, fn: (x, digits = 0) => roundTo(x, digits) },
  floor: { min: 1, max: 1, fn: Math.floor },
  ceil: { min: 1, max: 1, fn: Math.ceil },
  trunc: { min: 1, max: 1, fn: Math.trunc },
  sign: { min: 1, max: 1, fn: Math.sign },
  sqrt: { min: 1, max: 1, fn: Math.sqrt },
  pow: { min: 2, max: 2, fn: Math.pow },
  exp: { min: 1, max: 1, fn: Math.exp },
  log: { min: 1, max: 2, fn: (x, base) => (base === undefined ? Math.log(x) : Math.log(x) / Math.log(base)) },
  log10: { min: 1, max: 1, fn: Math.log10 },
};

/** Constants available unless a variable of the same name shadows them. */
export const MATH_CONSTANTS: Readonly<Record<string, number>> = { pi: Math.PI, e: Math.E };

function roundTo(x: number, digits: number): number {
  if (!Number.isInteger(digits) || digits < 0 || digits > 15) return NaN;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * A `TOOL_ERROR` whose one-line message carries the 1-based column; `details.pointer` holds the
 * expression with a caret under the column, for multi-line displays.
 */
export function mathError(message: string, col: number, source: string): HookflowError {
  const shown = source.length > 80 ? `${source.slice(0, 77)}...` : source;
  return new HookflowError(ErrorCode.TOOL_ERROR, `math.calc: ${message} at column ${col} of ${JSON.stringify(shown)}`, {
    details: { column: col, expression: source, pointer: `${source}\n${' '.repeat(Math.max(0, col - 1))}^` },
    retryable: false,
  });
}

/** Nesting limit, so hostile input cannot overflow the parser's stack. */
const MAX_DEPTH = 256;

class Parser {
  pos = 0;
  depth = 0;
  constructor(readonly src: string) {}

  fail(message: string, at = this.pos): never {
    throw mathError(message, at + 1, this.src);
  }

  skip(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos] as string)) this.pos++;
  }

  peek(): string | undefined {
    this.skip();
    return this.src[this.pos];
  }

  found(): string {
    const c = this.peek();
    return c === undefined ? 'end of expression' : `"${c}"`;
  }

  parse(): MathNode {
    if (this.peek() === undefined) this.fail('expected an expression, found nothing');
    const node = this.expr();
    if (this.peek() !== undefined) this.fail(`expected an operator, found ${this.found()}`);
    return node;
  }

  expr(): MathNode {
    let left = this.term();
    for (let c = this.peek(); c === '+' || c === '-'; c = this.peek()) {
      const col = this.pos + 1;
      this.pos++;
      left = { kind: 'bin', op: c, left, right: this.term(), col };
    }
    return left;
  }

  term(): MathNode {
    let left = this.unary();
    for (let c = this.peek(); c === '*' || c === '/' || c === '%'; c = this.peek()) {
      const col = this.pos + 1;
      this.pos++;
      left = { kind: 'bin', op: c, left, right: this.unary(), col };
    }
    return left;
  }

  unary(): MathNode {
    if (++this.depth > MAX_DEPTH) this.fail(`expression nested deeper than ${MAX_DEPTH} levels`);
    const c = this.peek();
    let node: MathNode;
    if (c === '-' || c === '+') {
      const col = this.pos + 1;
      this.pos++;
      const arg = this.unary();
      node = c === '-' ? { kind: 'neg', arg, col } : arg;
    } else {
      node = this.power();
    }
    this.depth--;
    return node;
  }

  power(): MathNode {
    const base = this.primary();
    if (this.peek() !== '^') return base;
    const col = this.pos + 1;
    this.pos++;
    return { kind: 'bin', op: '^', left: base, right: this.unary(), col };
  }

  primary(): MathNode {
    const c = this.peek();
    const start = this.pos;
    if (c === '(') {
      this.pos++;
      const inner = this.expr();
      if (this.peek() !== ')') this.fail(`expected ")" to close "(" at column ${start + 1}, found ${this.found()}`);
      this.pos++;
      return inner;
    }
    if (c !== undefined && /[0-9.]/.test(c)) return this.number();
    if (c !== undefined && /[A-Za-z_]/.test(c)) return this.name();
    return this.fail(`expected a number, a name or "(", found ${this.found()}`);
  }

  number(): MathNode {
    const start = this.pos;
    const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(this.src.slice(start));
    if (!m) return this.fail('malformed number');
    this.pos += m[0].length;
    if (/[A-Za-z_.]/.test(this.src[this.pos] ?? '')) this.fail(`malformed number "${m[0]}${this.src[this.pos] ?? ''}"`, start);
    return { kind: 'num', value: Number(m[0]), col: start + 1 };
  }

  name(): MathNode {
    const start = this.pos;
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.src.slice(start)) as RegExpExecArray;
    const name = m[0];
    this.pos += name.length;
    if (this.peek() !== '(') return { kind: 'var', name, col: start + 1 };
    const fn = Object.hasOwn(MATH_FUNCTIONS, name) ? MATH_FUNCTIONS[name] : undefined;
    if (!fn) this.fail(`unknown function "${name}" (available: ${Object.keys(MATH_FUNCTIONS).join(', ')})`, start);
    this.pos++;
    const args: MathNode[] = [];
    if (this.peek() !== ')') {
      args.push(this.expr());
      while (this.peek() === ',') {
        this.pos++;
        args.push(this.expr());
      }
    }
    if (this.peek() !== ')') this.fail(`expected "," or ")" in call to ${name}(), found ${this.found()}`);
    this.pos++;
    if (args.length < fn.min || args.length > fn.max) {
      const want = fn.min === fn.max ? `${fn.min}` : fn.max === Infinity ? `at least ${fn.min}` : `${fn.min} to ${fn.max}`;
      this.fail(`${name}() takes ${want} argument${want === '1' ? '' : 's'}, got ${args.length}`, start);
    }
    return { kind: 'call', name, args, col: start + 1 };
  }
}

/** Parses an arithmetic expression; throws `TOOL_ERROR` with the column of the first syntax error. */
export function parseMath(source: string): MathNode {
  return new Parser(source).parse();
}

/**
 * Evaluates a parsed expression. Unknown variables, division or modulo by zero, and results that are
 * not finite numbers are errors (tool outputs must be JSON, which has no NaN or Infinity).
 */
export function evaluateMath(node: MathNode, vars: Readonly<Record<string, number>>, source: string): number {
  const value = evalNode(node, vars, source);
  if (!Number.isFinite(value)) throw mathError(`result is not a finite number (${value})`, node.col, source);
  return value;
}

function evalNode(node: MathNode, vars: Readonly<Record<string, number>>, src: string): number {
  switch (node.kind) {
    case 'num':
      return node.value;
    case 'var': {
      if (Object.hasOwn(vars, node.name)) return vars[node.name] as number;
      if (Object.hasOwn(MATH_CONSTANTS, node.name)) return MATH_CONSTANTS[node.name] as number;
      const known = Object.keys(vars);
      throw mathError(`unknown variable "${node.name}"${known.length ? ` (variables: ${known.join(', ')})` : ' (no variables given)'}`, node.col, src);
    }
    case 'neg':
      return -evalNode(node.arg, vars, src);
    case 'bin': {
      const a = evalNode(node.left, vars, src);
      const b = evalNode(node.right, vars, src);
      switch (node.op) {
        case '+':
          return a + b;
        case '-':
          return a - b;
        case '*':
          return a * b;
        case '/':
          if (b === 0) throw mathError('division by zero', node.col, src);
          return a / b;
        case '%':
          if (b === 0) throw mathError('modulo by zero', node.col, src);
          return a % b;
        case '^':
          return Math.pow(a, b);
        default:
          return assertNever(node.op, 'operator');
      }
    }
    case 'call': {
      const args = node.args.map((n) => evalNode(n, vars, src));
      return (MATH_FUNCTIONS[node.name] as { fn: (...a: number[]) => number }).fn(...args);
    }
    default:
      return assertNever(node, 'math node');
  }
}
