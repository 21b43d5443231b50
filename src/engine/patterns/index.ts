/** Dispatch from a step to its pattern implementation. */
import { assertNever } from '../../errors.js';
import type { RunState } from '../run-state.js';
import type { Outcome } from '../signals.js';
import type { StepRun } from '../step.js';
import { runConditional } from './conditional.js';
import { runLoop } from './loop.js';
import { runParallel } from './parallel.js';
import { runSequence } from './sequence.js';

export function runPattern(rs: RunState, run: StepRun, signal: AbortSignal): Promise<Outcome> {
  const step = run.step;
  switch (step.kind) {
    case 'sequence':
      return runSequence(rs, run.bodyFrame(signal), step.steps);
    case 'parallel':
      return runParallel(rs, run, signal);
    case 'if':
    case 'switch':
      return runConditional(rs, run, signal);
    case 'loop':
      return runLoop(rs, run, signal);
    case 'tool':
    case 'agent':
    case 'workflow':
    case 'set':
    case 'wait':
    case 'emit':
    case 'fail':
      throw new Error(`${step.kind} is a task, not a pattern`);
    default:
      return assertNever(step, 'step kind');
  }
}
