/** Errors raised by the stores, worded once so both implementations report the same thing. */
import { ErrorCode, HookflowError } from '../errors.js';

/** A run id that is not in the store. */
export function runNotFound(runId: string): HookflowError {
  return new HookflowError(ErrorCode.RUN_NOT_FOUND, `run '${runId}' not found in the store; hint: list runs with \`hookflow runs\``, {
    retryable: false,
  });
}

/** A second run with a taken id. */
export function runExists(runId: string): HookflowError {
  return new HookflowError(
    ErrorCode.RUN_EXISTS,
    `run '${runId}' already exists; hint: choose another --run-id, or continue it with \`hookflow resume ${runId}\``,
    { retryable: false },
  );
}

/** An event whose seq is already journaled (`seq` is unknown when SQLite reports the conflict). */
export function duplicateSeq(runId: string, seq: number | undefined, cause?: unknown): HookflowError {
  return new HookflowError(
    ErrorCode.STORE,
    `cannot append to the journal of run '${runId}': an event with ${seq === undefined ? 'one of these seqs' : `seq ${seq}`} is already journaled; ` +
      'hint: another process may be executing this run (claim it first)',
    { retryable: false, cause },
  );
}

/** Any call after `close()`. */
export function storeClosed(kind: string): HookflowError {
  return new HookflowError(ErrorCode.STORE, `the store ${kind} is closed; hint: open it again with openStore()`, { retryable: false });
}

/** A run pinning a definition whose hash is already stored with a different text. */
export function definitionMismatch(runId: string, hash: string): HookflowError {
  return new HookflowError(
    ErrorCode.STORE,
    `cannot create run '${runId}': definition hash ${hash} is already pinned with a different text; ` +
      'hint: definition.hash must be the sha256 of definition.text',
    { retryable: false },
  );
}
