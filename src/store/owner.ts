/**
 * Owner ids of running processes (`host:pid`), recorded on a run while a process executes it, and
 * the liveness check that lets another process take over a run whose owner died (kill -9, crash).
 */
import { hostname } from 'node:os';

/** This process's owner id: `${hostname}:${pid}`. */
export function defaultOwnerId(): string {
  return `${hostname()}:${process.pid}`;
}

/**
 * Whether the process behind `owner` may still be running. On this host it asks the OS
 * (`process.kill(pid, 0)`); an owner on another host is assumed alive, since it cannot be checked.
 * A malformed owner cannot belong to a hookflow process and reads as dead. A recycled pid reads as
 * alive (the safe direction: the run waits rather than running twice).
 */
export function isLocalOwnerAlive(owner: string): boolean {
  const colon = owner.lastIndexOf(':');
  if (colon <= 0) return false;
  const pidText = owner.slice(colon + 1);
  if (!/^\d+$/.test(pidText)) return false;
  if (owner.slice(0, colon) !== hostname()) return true;
  const pid = Number(pidText);
  if (pid === process.pid) return true;
  if (pid === 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
