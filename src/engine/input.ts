/**
 * Validates a run's input against the workflow's `input:` JSON Schema (draft 2020-12) before anything
 * is journaled, so bad input is refused with the offending fields named and no run is created.
 */
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { inputValidator } from '../dsl/input-schema.js';
import type { WorkflowDefinition } from '../dsl/types.js';
import { ErrorCode, HookflowError } from '../errors.js';
import { ajvIssues } from '../tools/json-schema.js';

const compiled = new WeakMap<WorkflowDefinition, ValidateFunction>();

export function validateInput(def: WorkflowDefinition, input: unknown): void {
  if (def.input === undefined) return;
  let validate = compiled.get(def);
  if (!validate) {
    try {
      validate = inputValidator(def.input);
    } catch (err) {
      throw new HookflowError(ErrorCode.VALIDATION, `${def.source.file}: the \`input\` schema is not valid JSON Schema: ${err instanceof Error ? err.message : String(err)}`, { retryable: false });
    }
    compiled.set(def, validate);
  }
  if (validate(input)) return;
  const issues = ajvIssues(validate.errors, input, 'input');
  throw new HookflowError(
    ErrorCode.INPUT,
    `input of workflow "${def.name}" does not match its schema:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}\nhint: pass --input '{...}' or --input-file input.json`,
    { retryable: false, details: issues },
  );
}
