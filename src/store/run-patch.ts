/**
 * Run patches (`CommitBatch.run`): which keys exist, which column each writes, and how its value is
 * checked and encoded. A patch sets every key it has as an own property (`undefined` clears the
 * column) and leaves the others alone.
 */
import { ErrorCode, HookflowError } from '../errors.js';
import { isNil, missing, notSerialisable, type Codec } from './json.js';
import type { RunRow } from './rows.js';
import type { CommitBatch } from './types.js';

/** A run patch (CommitBatch.run). */
export type RunPatch = NonNullable<CommitBatch['run']>;

interface PatchField {
  key: keyof RunPatch;
  column: keyof RunRow;
  encode<J>(value: unknown, runId: string, codec: Codec<J>): J | string | number | null;
}

function plain(key: string, notNull: boolean): PatchField['encode'] {
  return (value, runId) => {
    if (notNull && isNil(value)) throw missing(`run ${runId}: ${key}`, value);
    return (value ?? null) as string | number | null;
  };
}

/** `nullIsValue`: JSON null is kept as a value (input, output) instead of clearing the column. */
function json(key: string, nullIsValue: boolean): PatchField['encode'] {
  return (value, runId, codec) => {
    try {
      return codec.encode(nullIsValue ? value : (value ?? undefined));
    } catch (err) {
      throw notSerialisable(`run ${runId}: ${key}`, err);
    }
  };
}

/** The patchable run fields in a fixed order; the bit of each field in a patch mask is `1 << index`. */
export const RUN_PATCH_FIELDS: readonly PatchField[] = [
  { key: 'workflow', column: 'workflow', encode: plain('workflow', true) },
  { key: 'version', column: 'version', encode: plain('version', false) },
  { key: 'status', column: 'status', encode: plain('status', true) },
  { key: 'input', column: 'input', encode: json('input', true) },
  { key: 'output', column: 'output', encode: json('output', true) },
  { key: 'error', column: 'error', encode: json('error', false) },
  { key: 'parentRunId', column: 'parent_run_id', encode: plain('parentRunId', false) },
  { key: 'parentStepPath', column: 'parent_step_path', encode: plain('parentStepPath', false) },
  { key: 'updatedAt', column: 'updated_at', encode: plain('updatedAt', true) },
  { key: 'endedAt', column: 'ended_at', encode: plain('endedAt', false) },
  { key: 'lastSeq', column: 'last_seq', encode: plain('lastSeq', true) },
  { key: 'wakeAt', column: 'wake_at', encode: plain('wakeAt', false) },
  { key: 'owner', column: 'owner', encode: plain('owner', false) },
  { key: 'totals', column: 'totals', encode: json('totals', false) },
];

const PATCH_INDEX: ReadonlyMap<string, number> = new Map(RUN_PATCH_FIELDS.map((f, i) => [f.key, i]));

/** Index of a patch field in {@link RUN_PATCH_FIELDS}. */
export function patchIndex(key: keyof RunPatch): number {
  return PATCH_INDEX.get(key) as number;
}

/** The bit mask of the fields a patch sets. Throws STORE on a key that is not a patchable run field. */
export function patchMask(patch: RunPatch, runId: string): number {
  let mask = 0;
  for (const key in patch) {
    const i = PATCH_INDEX.get(key);
    if (i === undefined) {
      throw new HookflowError(
        ErrorCode.STORE,
        `cannot patch run ${runId}: '${key}' is not a patchable run field; expected one of ${RUN_PATCH_FIELDS.map((f) => f.key).join(', ')}`,
        { retryable: false },
      );
    }
    mask |= 1 << i;
  }
  return mask;
}

/** The encoded values of the fields in `mask`, in field order. */
export function patchValues<J>(patch: RunPatch, mask: number, runId: string, codec: Codec<J>): Array<J | string | number | null> {
  const values: Array<J | string | number | null> = [];
  for (let i = 0; i < RUN_PATCH_FIELDS.length; i++) {
    if ((mask & (1 << i)) === 0) continue;
    const field = RUN_PATCH_FIELDS[i] as PatchField;
    values.push(field.encode(patch[field.key], runId, codec));
  }
  return values;
}
