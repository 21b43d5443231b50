/**
 * System built-ins behind explicit grants: `env.read` (allow-listed variables only) and `process.exec`
 * (only when the security hook granted `ctx.permissions.exec`).
 */
import { execFile } from 'node:child_process';
import { z } from 'zod';
import { ErrorCode, HookflowError } from '../../errors.js';
import { globMatch } from '../../util/glob.js';
import { defineTool, toolError } from './define.js';
import { sandboxed } from './fs-common.js';

/** Options of the system tools (see builtinTools). */
export interface SystemToolOptions {
  /** Names (or globs like `APP_*`) `env.read` may return. @default [] */
  envAllow?: readonly string[];
  /** Where `env.read` looks variables up, read at call time. @default process.env */
  env?: Record<string, string | undefined>;
}

function envTool(opts: SystemToolOptions) {
  const allow = [...(opts.envAllow ?? [])];
  return defineTool({
    name: 'env.read',
    description: 'Reads an environment variable, only if its name is in the allow-list configured by the host (builtinTools({ envAllow })); others are a SECURITY error.',
    input: z.strictObject({ name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a variable name like API_BASE'), default: z.string().optional() }),
    output: 'the value as a string, `default` when unset, or null',
    run(args) {
      if (!allow.some((pattern) => globMatch(pattern, args.name))) {
        throw new HookflowError(
          ErrorCode.SECURITY,
          `env.read: variable "${args.name}" is not in the allow-list (${allow.length ? allow.join(', ') : 'empty'}); the host must allow it with builtinTools({ envAllow: ['${args.name}'] })`,
          { details: { name: args.name }, retryable: false },
        );
      }
      const value = (opts.env ?? process.env)[args.name];
      return value ?? args.default ?? null;
    },
  });
}

const exec = defineTool({
  name: 'process.exec',
  description:
    'Runs a program without a shell (execFile) in the workspace and returns its exit code and output. Refused unless the security hook granted exec. A non-zero exit is a result, not an error.',
  input: z.strictObject({
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    cwd: z.string().min(1).default('.'),
    env: z.record(z.string(), z.string()).optional(),
    input: z.string().optional(),
    timeoutMs: z.number().int().positive().optional(),
    maxBuffer: z.number().int().positive().default(10 * 1024 * 1024),
  }),
  output: '{exitCode, signal, stdout, stderr}',
  fileArgs: ['cwd'],
  async run(args, ctx) {
    if (ctx.permissions?.exec !== true) {
      throw new HookflowError(ErrorCode.SECURITY, `process.exec: running "${args.command}" is not permitted; enable it with the security hook (permissions: { exec: true })`, {
        details: { command: args.command },
        retryable: false,
      });
    }
    const { abs: cwd } = await sandboxed(ctx, args.cwd);
    // Checked after the await: an abort during path resolution fires no further 'abort' event.
    ctx.signal.throwIfAborted();
    const ctl = new AbortController();
    const onAbort = (): void => ctl.abort(ctx.signal.reason);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    let timedOut = false;
    const timer =
      args.timeoutMs === undefined
        ? undefined
        : globalThis.setTimeout(() => {
            timedOut = true;
            ctl.abort();
          }, args.timeoutMs);
    try {
      return await new Promise<{ exitCode: number | null; signal: string | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = execFile(
          args.command,
          args.args,
          { cwd, signal: ctl.signal, maxBuffer: args.maxBuffer, encoding: 'utf8', windowsHide: true, ...(args.env ? { env: { ...process.env, ...args.env } } : {}) },
          (err, stdout, stderr) => {
            if (!err) return resolve({ exitCode: 0, signal: null, stdout, stderr });
            const e = err as NodeJS.ErrnoException & { code?: unknown; signal?: NodeJS.Signals | null };
            if (timedOut) return reject(new HookflowError(ErrorCode.TIMEOUT, `process.exec: "${args.command}" did not finish within ${args.timeoutMs}ms`, { details: { stdout, stderr } }));
            if (ctl.signal.aborted) return reject(ctx.signal.reason);
            if (typeof e.code === 'number' || (e.code == null && e.signal)) {
              return resolve({ exitCode: typeof e.code === 'number' ? e.code : null, signal: e.signal ?? null, stdout, stderr });
            }
            if (e.code === 'ENOENT') return reject(toolError('process.exec', `command "${args.command}" not found (it runs without a shell: give a program, not a shell line)`, { cause: err }));
            if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return reject(toolError('process.exec', `output of "${args.command}" exceeded maxBuffer (${args.maxBuffer} bytes)`, { cause: err }));
            return reject(toolError('process.exec', `"${args.command}" failed: ${e.message}`, { cause: err, retryable: true }));
          },
        );
        child.stdin?.on('error', (err: NodeJS.ErrnoException) => {
          // EPIPE only means the program exited without reading its input; the exit code tells the rest.
          if (err.code !== 'EPIPE') reject(toolError('process.exec', `cannot write input to "${args.command}": ${err.message}`, { cause: err }));
        });
        child.stdin?.end(args.input ?? '');
      });
    } finally {
      if (timer !== undefined) globalThis.clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
    }
  },
});

/** `env.read` (configured with `opts`) and `process.exec`. */
export function systemTools(opts: SystemToolOptions = {}) {
  return [envTool(opts), exec];
}
