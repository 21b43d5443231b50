/**
 * Validation and normalisation of query arguments shared by both stores, so a bad `limit` or
 * `fromSeq` fails the same way whichever store is configured.
 */
import { ErrorCode, HookflowError } from '../errors.js';
import type { EventQuery, RunFilter, RunStatus } from './types.js';

/** An EventQuery with defaults applied; `limit` -1 means no limit (as in SQLite's `LIMIT -1`). */
export interface NormalEventQuery {
  fromSeq: number;
  /** Undefined when every type is selected. */
  types: readonly string[] | undefined;
  limit: number;
}

/** A RunFilter with defaults applied; `limit` -1 means no limit. */
export interface NormalRunFilter {
  status: RunStatus | undefined;
  workflow: string | undefined;
  limit: number;
}

function checkLimit(limit: number | undefined, what: string): number {
  if (limit === undefined) return -1;
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new HookflowError(ErrorCode.INPUT, `${what}: expected \`limit\` to be an integer from 0 up, got \`${String(limit)}\` (${typeof limit})`, {
      retryable: false,
    });
  }
  return limit;
}

/** Applies defaults: events from seq 1 (inclusive), every type, no limit. An empty `types` list selects every type. */
export function normalizeEventQuery(query: EventQuery | undefined): NormalEventQuery {
  const fromSeq = query?.fromSeq ?? 1;
  if (!Number.isSafeInteger(fromSeq)) {
    throw new HookflowError(ErrorCode.INPUT, `getEvents: expected \`fromSeq\` to be an integer, got \`${String(fromSeq)}\` (${typeof fromSeq})`, {
      retryable: false,
    });
  }
  const types = query?.types !== undefined && query.types.length > 0 ? query.types : undefined;
  return { fromSeq, types, limit: checkLimit(query?.limit, 'getEvents') };
}

/** Applies defaults: every status and workflow, no limit. */
export function normalizeRunFilter(filter: RunFilter | undefined): NormalRunFilter {
  return { status: filter?.status, workflow: filter?.workflow, limit: checkLimit(filter?.limit, 'listRuns') };
}

/** True when `type` is selected by `types` (exact names, or prefixes ending in `.`); undefined selects all. */
export function typeSelected(type: string, types: readonly string[] | undefined): boolean {
  if (types === undefined) return true;
  for (const t of types) {
    if (t.endsWith('.') ? type.startsWith(t) : type === t) return true;
  }
  return false;
}

/** The ISO-8601 cut-off of `prune(before)`; throws INPUT on an invalid Date. */
export function pruneCutoff(before: Date): string {
  if (!(before instanceof Date) || Number.isNaN(before.getTime())) {
    throw new HookflowError(ErrorCode.INPUT, `prune: expected \`before\` to be a valid Date, got \`${String(before)}\``, { retryable: false });
  }
  return before.toISOString();
}
