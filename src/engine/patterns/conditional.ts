/**
 * Conditional pattern: `if/then/else` and `switch` (first matching case wins, else `default`).
 * Output = the last output of the chosen list, null when no list runs.
 *
 * before_condition: input `{kind, cases}`; `modify` with a `branch` in the patch takes that branch without
 * evaluating; `replace` makes `value` the output and runs no branch; `cancel` cancels the step.
 * after_condition: output `{branch, value}`; `modify` may change `branch`; `redirect {to}` chooses the
 * branch named `to` (then, else, default, case[i], or the id of a step inside a branch);
 * `replace`/`cancel` as before.
 */
import type { IfStep, StepDef, SwitchStep } from '../../dsl/types.js';
import { ErrorCode, HookflowError } from '../../errors.js';
import { ConditionalLifecycle } from '../machines.js';
import type { RunState } from '../run-state.js';
import type { Outcome } from '../signals.js';
import { cancelled, evalT, truthy, type StepRun } from '../step.js';
import { firePattern } from './hooks.js';
import { runSequence } from './sequence.js';

type Branches = Map<string, StepDef[]>;

function branchesOf(step: IfStep | SwitchStep): Branches {
  const m: Branches = new Map();
  if (step.kind === 'if') {
    m.set('then', step.then);
    if (step.else) m.set('else', step.else);
  } else {
    step.cases.forEach((c, i) => m.set(`case[${i}]`, c.steps));
    if (step.default) m.set('default', step.default);
  }
  return m;
}

/** Resolves a redirect target or patched branch name to a branch key. */
function resolveBranch(step: IfStep | SwitchStep, branches: Branches, to: unknown, path: string): string | null {
  if (to === null) return null;
  if (typeof to === 'number' && step.kind === 'switch') to = `case[${to}]`;
  if (typeof to === 'string') {
    if (branches.has(to)) return to;
    for (const [name, list] of branches) if (list.some((s) => s.id === to)) return name;
  }
  throw new HookflowError(
    ErrorCode.HOOK_RESULT_INVALID,
    `"${String(to)}" does not name a branch of ${step.kind} step "${step.id}"; expected one of ${[...branches.keys()].join(', ')} or the id of a step inside one of them`,
    { step: path, retryable: false },
  );
}

export async function runConditional(rs: RunState, run: StepRun, signal: AbortSignal): Promise<Outcome> {
  const step = run.step as IfStep | SwitchStep;
  const scope = run.frame.scope;
  let state = ConditionalLifecycle.initial;
  const branches = branchesOf(step);
  const target = run.stepInfo();
  let branch: string | null | undefined;
  let value: unknown = null;
  if (run.has('before_condition')) {
    const d = await firePattern(rs, run, 'before_condition', target, { kind: step.kind, branches: [...branches.keys()] }, undefined, {});
    run.addRan(d.ran);
    if (d.action === 'cancel') throw cancelled(d, 'before_condition');
    if (d.action === 'replace') {
      ConditionalLifecycle.next(state, 'NONE');
      return { output: (d.result as { value: unknown }).value };
    }
    if (d.action === 'modify') {
      const patched = d.input as { branch?: unknown };
      if (patched && patched.branch !== undefined) branch = resolveBranch(step, branches, patched.branch, run.path);
    }
  }
  if (branch === undefined) {
    if (step.kind === 'if') {
      value = await evalT(step.if, scope, run.path);
      branch = truthy(value) ? 'then' : step.else ? 'else' : null;
    } else {
      branch = step.default ? 'default' : null;
      for (let i = 0; i < step.cases.length; i++) {
        const v = await evalT((step.cases[i] as SwitchStep['cases'][number]).when, scope, run.path);
        if (truthy(v)) {
          branch = `case[${i}]`;
          value = v;
          break;
        }
      }
    }
  }
  if (run.has('after_condition')) {
    const d = await firePattern(rs, run, 'after_condition', target, null, { branch, value }, {});
    run.addRan(d.ran);
    switch (d.action) {
      case 'cancel':
        throw cancelled(d, 'after_condition');
      case 'replace':
        ConditionalLifecycle.next(state, 'NONE');
        return { output: (d.result as { value: unknown }).value };
      case 'redirect':
        branch = resolveBranch(step, branches, (d.result as { to: string }).to, run.path);
        break;
      case 'modify':
        branch = resolveBranch(step, branches, (d.output as { branch?: unknown }).branch ?? null, run.path);
        break;
      default:
        break;
    }
  }
  rs.emit('condition.evaluated', { path: run.path, chosen: branch }, run.frame.cause);
  if (branch === null) {
    ConditionalLifecycle.next(state, 'NONE');
    return { output: null };
  }
  state = ConditionalLifecycle.next(state, 'CHOSEN');
  const out = await runSequence(rs, run.bodyFrame(signal), branches.get(branch) as StepDef[]);
  ConditionalLifecycle.next(state, 'DONE');
  return out;
}
