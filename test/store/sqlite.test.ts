import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../src/store/migrations.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { storeContract } from './contract.js';
import { hookflowError, iso, makeEvent, makeRun, makeStep, stepBatch, tempDir, T0, type TempDir } from './fixtures.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

storeContract('SqliteStore', (now) => {
  const dir = tempDir();
  const store = SqliteStore.open(join(dir.path, 'store.db'), { now });
  return {
    store,
    close: () => {
      store.close();
      dir.cleanup();
    },
  };
});

describe('SqliteStore', () => {
  let dir: TempDir;
  let file: string;
  beforeEach(() => {
    dir = tempDir();
    file = join(dir.path, 'nested', 'deeper', 'hookflow.db');
  });
  afterEach(() => dir.cleanup());

  it('creates parent folders, names itself by absolute path and runs in WAL mode', () => {
    const store = SqliteStore.open(file);
    try {
      expect(store.kind).toBe(`sqlite:${file}`);
      store.createRun(makeRun('r'));
      store.commit('r', stepBatch('r', 1));
      expect(existsSync(`${file}-wal`)).toBe(true);
      expect(existsSync(`${file}-shm`)).toBe(true);
      // Header bytes 18/19 are the file format read/write versions: 2 means WAL.
      const header = readFileSync(file).subarray(0, 20);
      expect([header[18], header[19]]).toEqual([2, 2]);
    } finally {
      store.close();
    }
    // The last connection checkpoints the WAL into the file and removes it.
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('persists runs, journal, steps, signals and meta across reopen', () => {
    let store = SqliteStore.open(file, { now: () => 0 });
    expect(store.migratedFrom).toBe(0);
    store.createRun(makeRun('r', { totals: { cost: 0.25 } }));
    store.commit('r', { events: [makeEvent('r', 1), makeEvent('r', 2, 'hook.decided')], steps: [makeStep('r', 'a'), makeStep('r', 'b')], run: { status: 'suspended', wakeAt: 99 } });
    store.putSignal({ runId: 'r', name: 'go', data: { ok: true }, createdAt: T0 });
    store.putMeta('cache', 'k', { v: 1 }, 1000);
    const snapshot = { run: store.getRun('r'), events: store.getEvents('r'), steps: store.getSteps('r'), signals: store.getSignals('r') };
    store.close();

    store = SqliteStore.open(file, { now: () => 0 });
    try {
      expect({ run: store.getRun('r'), events: store.getEvents('r'), steps: store.getSteps('r'), signals: store.getSignals('r') }).toStrictEqual(snapshot);
      expect(snapshot.run).toMatchObject({ status: 'suspended', wakeAt: 99, lastSeq: 2, totals: { cost: 0.25 } });
      expect(store.getMeta('cache', 'k')).toEqual({ v: 1 });
      expect(store.migratedFrom).toBe(SCHEMA_VERSION);
    } finally {
      store.close();
    }
  });

  it('lets two connections (two processes) share the file and see each other', () => {
    const a = SqliteStore.open(file);
    const b = SqliteStore.open(file);
    try {
      a.createRun(makeRun('r'));
      expect(a.claimRun('r', 'host:1', () => true)).toBe(true);
      a.commit('r', stepBatch('r', 1));
      expect(b.getEvents('r')).toHaveLength(1);
      expect(b.getRun('r')?.owner).toBe('host:1');
      expect(b.claimRun('r', 'host:2', (o) => o === 'host:1')).toBe(false);
      b.putSignal({ runId: 'r', name: 'approve', data: 'yes', createdAt: iso(5) });
      expect(a.getSignals('r', 'approve')).toHaveLength(1);
      // b takes over once a's owner is reported dead.
      expect(b.claimRun('r', 'host:2', () => false)).toBe(true);
      expect(a.getRun('r')?.owner).toBe('host:2');
    } finally {
      a.close();
      b.close();
    }
  });

  it('waits for another process that holds the write lock, then commits (busy timeout)', async () => {
    const store = SqliteStore.open(file);
    try {
      store.createRun(makeRun('r'));
      store.commit('r', stepBatch('r', 1));
      // The other process takes the write lock, appends seq 2, holds the lock ~1 s, then commits.
      const holder = spawn(
        process.execPath,
        [
          '-e',
          `const db = new (require('better-sqlite3'))(process.argv[1]);
           db.exec('BEGIN IMMEDIATE');
           db.prepare("INSERT INTO events (run_id, seq, id, type, time, correlation_id, source) VALUES ('r', 2, 'x', 'user.other', 't', 'r', '{}')").run();
           process.stdout.write('locked\\n');
           Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
           db.exec('COMMIT');`,
          file,
        ],
        { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      await new Promise<void>((res) => holder.stdout.once('data', () => res()));
      const started = performance.now();
      store.commit('r', stepBatch('r', 3));
      expect(performance.now() - started).toBeGreaterThan(100);
      expect(store.getEvents('r').map((e) => e.type)).toEqual(['step.completed', 'user.other', 'step.completed']);
      await new Promise((res) => holder.once('exit', res));
    } finally {
      store.close();
    }
  });

  it('fails with a retryable STORE error when another process holds the write lock past the busy timeout', async () => {
    const store = SqliteStore.open(file, { busyTimeoutMs: 50 });
    const other = new Database(file);
    try {
      store.createRun(makeRun('r'));
      other.exec('BEGIN IMMEDIATE');
      const err = await hookflowError(() => store.commit('r', stepBatch('r', 1)));
      expect(err.code).toBe('STORE');
      expect(err.retryable).toBe(true);
      expect(err.message).toMatch(/locked by another process/);
      other.exec('COMMIT');
      store.commit('r', stepBatch('r', 1));
      expect(store.getEvents('r')).toHaveLength(1);
    } finally {
      other.close();
      store.close();
    }
  });

  it('opens read-only for inspection: reads work, writes fail with STORE, expired meta is left in place', async () => {
    let clock = 0;
    const rw = SqliteStore.open(file, { now: () => clock });
    rw.createRun(makeRun('r'));
    rw.commit('r', stepBatch('r', 1));
    rw.putMeta('ns', 'k', 1, 10);
    rw.close();
    const ro = SqliteStore.open(file, { readonly: true, now: () => clock });
    try {
      expect(ro.getEvents('r')).toHaveLength(1);
      const err = await hookflowError(() => ro.commit('r', stepBatch('r', 2)));
      expect(err.code).toBe('STORE');
      expect(err.message).toMatch(/read-only/);
      clock = 100;
      expect(ro.getMeta('ns', 'k')).toBeUndefined();
      expect(ro.listMeta('ns')).toEqual([]);
    } finally {
      ro.close();
    }
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare('SELECT count(*) FROM meta').pluck().get()).toBe(1);
    raw.close();
  });

  it('refuses a read-only open of a missing file with STORE and creates nothing', async () => {
    const err = await hookflowError(() => SqliteStore.open(file, { readonly: true }));
    expect(err.code).toBe('STORE');
    expect(err.message).toContain(file);
    expect(existsSync(file)).toBe(false);
  });

  it('reports a store path below a regular file as STORE, not a raw fs error', async () => {
    const blocker = join(dir.path, 'plain-file');
    writeFileSync(blocker, 'x');
    const err = await hookflowError(() => SqliteStore.open(join(blocker, 'sub', 'hookflow.db')));
    expect(err.code).toBe('STORE');
    expect(err.message).toMatch(/plain-file\/sub\/hookflow.db.*ENOTDIR.*hint: check the path/);
  });

  it('refuses a directory as the store path', async () => {
    const err = await hookflowError(() => SqliteStore.open(dir.path));
    expect(err.code).toBe('STORE');
    expect(err.message).toMatch(/not a file/);
  });

  it('deletes expired meta lazily on read, and in bulk on prune', () => {
    let clock = 0;
    const store = SqliteStore.open(file, { now: () => clock });
    const count = (): unknown => new Database(file, { readonly: true }).prepare('SELECT count(*) FROM meta').pluck().get();
    try {
      store.putMeta('a', 'x', 1, 5);
      store.putMeta('a', 'y', 1, 5);
      store.putMeta('b', 'z', 1, 5);
      store.putMeta('b', 'keep', 1, null);
      clock = 10;
      expect(store.getMeta('a', 'x')).toBeUndefined();
      expect(count()).toBe(3);
      store.prune(new Date(0));
      expect(count()).toBe(1);
    } finally {
      store.close();
    }
  });
});
