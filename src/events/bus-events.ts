/**
 * Events the bus makes itself (`bus.pressure`, `bus.overflow`) and its error code. They are not part of any
 * run's journal, so they carry `seq: 0` and borrow run and correlation ids from the event that caused them.
 */
import type { Clock } from '../util/clock.js';
import type { UniversalEvent } from './types.js';

/** Error codes raised by the bus (strings, like every HookflowError code). */
export const BusErrorCode = {
  /** An `overflow: 'error'` subscriber was full; its subscription is closed. */
  BUS_OVERFLOW: 'BUS_OVERFLOW',
} as const;

/** `data` of a `bus.pressure` event. */
export interface BusPressureData {
  pattern: string;
  level: 'high' | 'normal';
  queued: number;
  buffer: number;
}

/** `data` of a `bus.overflow` event (an `overflow: 'error'` subscriber failed). */
export interface BusOverflowData {
  pattern: string;
  buffer: number;
  queued: number;
  /** Type of the event that did not fit. */
  eventType: string;
  error: { code: string; message: string };
}

/** Builds the envelope of a bus-generated event caused by `cause`. */
export function makeBusEvent<D>(type: string, data: D, cause: UniversalEvent, clock: Clock, newId: () => string): UniversalEvent<D> {
  return {
    id: newId(),
    type,
    time: new Date(clock.now()).toISOString(),
    // Not part of the run's gap-free journal sequence.
    seq: 0,
    runId: cause.runId,
    correlationId: cause.correlationId,
    causationId: cause.id,
    source: { component: 'bus', language: 'js' },
    data,
    schemaVersion: 1,
  };
}
