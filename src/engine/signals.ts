/**
 * Control-flow signals that travel as exceptions through the pattern code: a suspended branch (waiting
 * for a `hookflow signal`) and a skip requested below the step level (a `skip` at before_tool).
 */

/** Thrown when a step suspends on `wait: {signal}`; carries the paths that are waiting. */
export class Suspended extends Error {
  override readonly name = 'Suspended';
  constructor(readonly waiting: Array<{ path: string; signal: string; deadline: number | null }>) {
    super(`suspended waiting for ${waiting.map((w) => `"${w.signal}" at ${w.path}`).join(', ')}`);
  }

  static merge(list: Suspended[]): Suspended {
    return new Suspended(list.flatMap((s) => s.waiting));
  }
}

/** Thrown by a task when a hook below the step (before_tool / before_agent) asks to skip it. */
export class SkipRequest extends Error {
  override readonly name = 'SkipRequest';
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** What executing a step yields to the enclosing pattern. */
export interface Outcome {
  output: unknown;
  /** A redirect the enclosing sequence (or one further out) must carry out. */
  redirect?: string;
  /** True when the step did not execute (when-guard, skip result, redirect before the step). */
  skipped?: boolean;
}
