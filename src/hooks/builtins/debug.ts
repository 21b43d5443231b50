/**
 * `debug`: snapshots what the hooks at a point are given. It runs first at every point it listens at
 * and emits a `hook.debug` event `{hookId, point, path, step, tool, agent, attempt, input, output,
 * error, metadata}` (values truncated past `maxValueBytes`, secrets redacted like every event). The
 * `hook.decided` events that follow at the same point and path carry each hook's result, so together
 * they record every decision with its input and output; `hookflow trace <run> --debug` shows both.
 */
import { z } from 'zod';
import { HOOK_POINTS, type HookPoint } from '../types.js';
import { checkPoints, parseOptions, preview } from './options.js';
import type { BuiltinFactory, BuiltinOptions } from './types.js';

/** State-save points are excluded: an event emitted while the journal is being written would trigger another write. */
export const DEBUG_POINTS: readonly HookPoint[] = HOOK_POINTS.filter((p) => p !== 'before_state_save' && p !== 'after_state_save');

const schema = z.strictObject({
  /** Values whose JSON is longer than this many characters are truncated in the snapshot. */
  maxValueBytes: z.number().int().min(16).default(4096),
});

/** Checks the `debug` options and `at:` without building the hook (what `use: debug` would reject). */
export function debugOptions(opts: BuiltinOptions): z.output<typeof schema> {
  const o = parseOptions('debug', opts, schema);
  checkPoints('debug', opts, DEBUG_POINTS);
  return o;
}

/** Creates the `debug` hook. */
export const debugHook: BuiltinFactory = (opts, env) => {
  const o = debugOptions(opts);
  const max = o.maxValueBytes;
  return {
    points: opts.at ?? [...DEBUG_POINTS],
    // First at its points, so the snapshot is the input before any other hook patched or decided.
    order: -1_000_000,
    invoke(ctx) {
      const api = env.run(ctx);
      if (api === undefined) return undefined;
      const data: Record<string, unknown> = { hookId: opts.id, point: ctx.point, attempt: ctx.attempt, input: preview(ctx.input, max) };
      const s = ctx.step;
      if (s !== undefined) {
        data.path = s.path;
        data.step = s.id;
        data.kind = s.kind;
        if (s.tool !== undefined) data.tool = s.tool;
        if (s.agent !== undefined) data.agent = s.agent;
      }
      if (ctx.output !== undefined) data.output = preview(ctx.output, max);
      if (ctx.error !== undefined) data.error = ctx.error;
      if (Object.keys(ctx.metadata).length > 0) data.metadata = preview(ctx.metadata, max);
      api.emit('hook.debug', data);
      return undefined;
    },
  };
};
