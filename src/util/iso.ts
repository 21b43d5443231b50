/**
 * ISO-8601 formatting with a one-entry cache: events and records written in the same millisecond
 * (most of them, on a busy run) share one string instead of formatting a Date each time.
 */
let lastMs = Number.NaN;
let lastIso = '';

export function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}
