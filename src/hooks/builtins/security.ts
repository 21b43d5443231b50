/**
 * `security`: guards tool calls and keeps secrets out of everything the engine writes.
 *
 * - before_tool: tools denied by `deny` globs, or not matched by `allow` globs when given, are
 *   cancelled; arguments named in the tool's `fileArgs` must resolve (symlinks included) inside the
 *   workspace (`../` climbs and symlink escapes are cancelled); arguments larger than `maxInputBytes`
 *   (JSON, UTF-8) are cancelled. before_agent: input larger than `maxInputBytes` is cancelled.
 * - after_tool: an output larger than `maxOutputBytes` is replaced by
 *   `{refused: "SECURITY", reason, bytes, limit}` (cancel is not an allowed action after a call; the
 *   replacement keeps the oversized value out of the journal and makes the refusal visible downstream).
 * - run_start / run_resume: installs the secret redactor (see redact.ts) on the run, so events, step
 *   records, run output and logs never hold a secret, and grants `exec` to tools when `allowExec`.
 */
import { z } from 'zod';
import { toHookflowError } from '../../errors.js';
import { resolveInWorkspace } from '../../tools/sandbox.js';
import { globMatch } from '../../util/glob.js';
import type { HookContext, HookPoint, HookResult } from '../types.js';
import { checkPoints, jsonBytes, optionError, parseOptions, PerRun } from './options.js';
import { createRedactor } from './redact.js';
import type { BuiltinFactory, BuiltinOptions } from './types.js';

const RUN_POINTS: readonly HookPoint[] = ['run_start', 'run_resume'];
const ALL_POINTS: readonly HookPoint[] = [...RUN_POINTS, 'before_tool', 'after_tool', 'before_agent'];

const schema = z.strictObject({
  /** Tool globs allowed (when given, any other tool is refused). */
  allow: z.array(z.string().min(1)).optional(),
  /** Tool globs refused (wins over `allow`). */
  deny: z.array(z.string().min(1)).default([]),
  /** Check arguments named in the tool's `fileArgs` against the workspace. */
  sandbox: z.boolean().default(true),
  /** Extra file arguments per tool glob, for tools that do not declare `fileArgs`: `{ "my.*": [src, dest] }`. */
  fileArgs: z.record(z.string().min(1), z.array(z.string().min(1))).default({}),
  /** Largest tool/agent input, JSON bytes. */
  maxInputBytes: z.number().int().positive().optional(),
  /** Largest tool output, JSON bytes. */
  maxOutputBytes: z.number().int().positive().optional(),
  /** Redact secrets in events, step records, the run output and logs. */
  redact: z.boolean().default(true),
  /** Extra secret key names (case-insensitive, `-`/`_` ignored). */
  secretKeys: z.array(z.string().min(1)).default([]),
  /** Extra secret value patterns (regular expressions). */
  secretPatterns: z.array(z.string().min(1)).default([]),
  /** Let tools of the run execute processes (`process.exec`). */
  allowExec: z.boolean().default(false),
});

/** Checks the `security` options and `at:` without building the hook; compiles `secretPatterns`. */
export function securityOptions(opts: BuiltinOptions): { o: z.output<typeof schema>; patterns: RegExp[] } {
  const o = parseOptions('security', opts, schema);
  checkPoints('security', opts, ALL_POINTS);
  const patterns = o.secretPatterns.map((src, i) => {
    try {
      return new RegExp(src);
    } catch (err) {
      throw optionError('security', opts.id, `with.secretPatterns[${i}]: expected a regular expression, found ${JSON.stringify(src)} (${(err as Error).message})`);
    }
  });
  return { o, patterns };
}

/** Creates the `security` hook. */
export const securityHook: BuiltinFactory = (opts, env) => {
  const { o, patterns } = securityOptions(opts);
  const redactor = o.redact ? createRedactor({ keys: o.secretKeys, patterns }) : undefined;

  const setUp = new PerRun<true>((api) => {
    if (redactor !== undefined) api.addRedactor(redactor);
    if (o.allowExec) api.grant({ exec: true });
    return true;
  });

  const toolRefusal = (tool: string): string | undefined => {
    const denied = o.deny.find((g) => globMatch(g, tool));
    if (denied !== undefined) return `tool "${tool}" is denied by "${denied}" (hook ${opts.id})`;
    if (o.allow !== undefined && !o.allow.some((g) => globMatch(g, tool))) return `tool "${tool}" is not in the allow list [${o.allow.join(', ')}] (hook ${opts.id})`;
    return undefined;
  };

  const fileArgsOf = (tool: string): string[] => {
    const names = new Set(env.tool?.(tool)?.fileArgs ?? []);
    for (const [g, list] of Object.entries(o.fileArgs)) if (globMatch(g, tool)) for (const n of list) names.add(n);
    return [...names];
  };

  /** Paths the sandbox must check for a call (empty for most tools, which keeps the hook synchronous). */
  const pathsOf = (tool: string, args: unknown): Array<[string, string]> => {
    if (!o.sandbox || args === null || typeof args !== 'object') return [];
    const out: Array<[string, string]> = [];
    for (const name of fileArgsOf(tool)) {
      const v = (args as Record<string, unknown>)[name];
      if (typeof v === 'string') out.push([name, v]);
      else if (Array.isArray(v)) for (const x of v) if (typeof x === 'string') out.push([name, x]);
    }
    return out;
  };

  const sandboxRefusal = async (tool: string, paths: Array<[string, string]>): Promise<string | undefined> => {
    for (const [name, p] of paths) {
      try {
        await resolveInWorkspace(env.workspace, p);
      } catch (err) {
        return `tool "${tool}" argument "${name}": ${toHookflowError(err).message} (hook ${opts.id})`;
      }
    }
    return undefined;
  };

  const tooBig = (what: string, v: unknown, limit: number | undefined): string | undefined => {
    if (limit === undefined) return undefined;
    const n = jsonBytes(v);
    return n > limit ? `${what} is ${n} bytes of JSON, over the limit of ${limit} (hook ${opts.id})` : undefined;
  };

  const points = opts.at ?? [...RUN_POINTS, 'before_tool', ...(o.maxOutputBytes !== undefined ? (['after_tool'] as const) : []), ...(o.maxInputBytes !== undefined ? (['before_agent'] as const) : [])];

  return {
    points,
    // First among the deciding hooks: nothing else should see or spend on a call that will be refused.
    order: -1000,
    // Synchronous unless a file argument must be resolved on disk (a promise costs the runner a timer).
    invoke(ctx: HookContext): HookResult | undefined | Promise<HookResult | undefined> {
      if (setUp.of(env, ctx) === undefined) return undefined;
      const tool = ctx.step?.tool ?? '';
      switch (ctx.point) {
        case 'before_tool': {
          const reason = toolRefusal(tool) ?? tooBig(`the input of tool "${tool}"`, ctx.input, o.maxInputBytes);
          if (reason !== undefined) return { action: 'cancel', reason };
          const paths = pathsOf(tool, ctx.input);
          if (paths.length === 0) return undefined;
          return sandboxRefusal(tool, paths).then((r) => (r === undefined ? undefined : { action: 'cancel', reason: r }));
        }
        case 'before_agent': {
          const reason = tooBig(`the input of agent "${ctx.step?.agent ?? ''}"`, ctx.input, o.maxInputBytes);
          return reason === undefined ? undefined : { action: 'cancel', reason };
        }
        case 'after_tool': {
          const limit = o.maxOutputBytes;
          if (limit === undefined) return undefined;
          const bytes = jsonBytes(ctx.output);
          if (bytes <= limit) return undefined;
          return { action: 'replace', value: { refused: 'SECURITY', reason: `the output of tool "${tool}" is ${bytes} bytes of JSON, over the limit of ${limit} (hook ${opts.id})`, bytes, limit } };
        }
        default:
          return undefined;
      }
    },
  };
};
