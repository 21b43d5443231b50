/**
 * Where the `logging` hook writes its JSON lines: stderr, or a file opened for appending. Lines are
 * written synchronously, so they are ordered and survive a crash right after the fact they report.
 * A failing write is reported once as a process warning (a broken log never stops a run).
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ErrorCode, HookflowError } from '../../errors.js';

/** A line sink. */
export interface LogSink {
  write(line: string): void;
  close(): void;
}

/** Opens the sink: `file` (relative to `base`) in append mode, or stderr when undefined. */
export function openSink(file: string | undefined, base: string, hookId: string): LogSink {
  let warned = false;
  const report = (err: unknown): void => {
    if (warned) return;
    warned = true;
    process.emitWarning(`hook "${hookId}" (use: logging): cannot write a log line: ${err instanceof Error ? err.message : String(err)} (further failures are not reported)`, { code: 'HOOKFLOW_LOGGING' });
  };
  if (file === undefined) {
    return {
      write(line) {
        try {
          process.stderr.write(`${line}\n`);
        } catch (err) {
          report(err);
        }
      },
      close() {
        // stderr belongs to the process: nothing to close.
      },
    };
  }
  const path = resolve(base, file);
  let fd: number | undefined;
  try {
    mkdirSync(dirname(path), { recursive: true });
    fd = openSync(path, 'a');
  } catch (err) {
    throw new HookflowError(ErrorCode.VALIDATION, `hook "${hookId}" (use: logging): with.file: cannot open ${path} for appending: ${err instanceof Error ? err.message : String(err)}`, { cause: err, retryable: false });
  }
  return {
    write(line) {
      if (fd === undefined) return;
      try {
        writeSync(fd, `${line}\n`);
      } catch (err) {
        report(err);
      }
    },
    close() {
      if (fd === undefined) return;
      const f = fd;
      fd = undefined;
      try {
        closeSync(f);
      } catch (err) {
        report(err);
      }
    },
  };
}
