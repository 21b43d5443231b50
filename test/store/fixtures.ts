/** Record builders and temp-dir helpers shared by the store tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { HookflowError } from '../../src/errors.js';
import type { UniversalEvent } from '../../src/events/types.js';
import type { CommitBatch, RunRecord, StepRecord, Store } from '../../src/store/types.js';

export const T0 = '2026-01-01T00:00:00.000Z';

export function iso(ms: number): string {
  return new Date(Date.parse(T0) + ms).toISOString();
}

export function makeRun(id: string, over: Partial<RunRecord> = {}): RunRecord {
  return {
    id,
    workflow: 'summarize',
    version: 1,
    status: 'running',
    input: { topic: 'stores', n: 3 },
    definition: { text: 'name: summarize\nsteps: []\n', hash: 'sha256-summarize', file: '/defs/summarize.yaml' },
    createdAt: T0,
    updatedAt: T0,
    lastSeq: 0,
    ...over,
  };
}

export function makeEvent(runId: string, seq: number, type = 'step.completed', data: unknown = { seq }): UniversalEvent {
  return {
    id: `${runId}:${seq}`,
    type,
    time: iso(seq),
    seq,
    runId,
    correlationId: runId,
    source: { component: 'engine', language: 'js' },
    data,
    schemaVersion: 1,
  };
}

export function makeStep(runId: string, path: string, over: Partial<StepRecord> = {}): StepRecord {
  return {
    runId,
    path,
    stepId: path.split('/').pop() as string,
    kind: 'tool',
    status: 'completed',
    attempt: 1,
    output: { path },
    error: null,
    startedAt: iso(1),
    endedAt: iso(2),
    effects: null,
    ...over,
  };
}

/** One step transition: an event, the step row and the run's updatedAt. */
export function stepBatch(runId: string, seq: number, path = `s${seq}`): CommitBatch {
  return { events: [makeEvent(runId, seq)], steps: [makeStep(runId, path)], run: { updatedAt: iso(seq) } };
}

/** Runs `fn` and returns the HookflowError it throws (failing the test when it does not throw one). */
export async function hookflowError(fn: () => unknown): Promise<HookflowError> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HookflowError);
    return err as HookflowError;
  }
  throw new Error('expected a HookflowError, nothing was thrown');
}

export interface TempDir {
  path: string;
  cleanup(): void;
}

export function tempDir(prefix = 'hookflow-store-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** A store under test plus how to dispose of it. */
export interface StoreHandle {
  store: Store;
  close(): void;
}

/** Builds a fresh, empty store whose meta expiry reads `now()`. */
export type StoreFactory = (now: () => number) => StoreHandle;
