import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HookflowError } from '../../src/errors.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { hookflowError, makeRun, stepBatch, tempDir, type TempDir } from './fixtures.js';

const OLD = new Date('2020-01-01T00:00:00Z');

/** Opens `file` expecting a refusal, and checks that the file is byte-for-byte and mtime unchanged. */
async function refused(file: string): Promise<HookflowError> {
  utimesSync(file, OLD, OLD);
  const bytes = readFileSync(file);
  const err = await hookflowError(() => SqliteStore.open(file));
  expect(readFileSync(file).equals(bytes)).toBe(true);
  expect(statSync(file).mtimeMs).toBe(OLD.getTime());
  return err;
}

describe('opening files that are not hookflow stores', () => {
  let dir: TempDir;
  let file: string;
  beforeEach(() => {
    dir = tempDir();
    file = join(dir.path, 'hookflow.db');
  });
  afterEach(() => dir.cleanup());

  it('refuses a text file with STORE_CORRUPT naming the path, what was found and a hint', async () => {
    writeFileSync(file, 'name: my workflow\nsteps:\n  - id: a\n'.repeat(50));
    const err = await refused(file);
    expect(err.code).toBe('STORE_CORRUPT');
    expect(err.message).toContain(file);
    expect(err.message).toContain('not a SQLite database');
    expect(err.message).toContain('starts with the text "name: my workflow\\nsteps:"');
    expect(err.message).toMatch(/left untouched.*hint: point --store/);
    expect(existsSync(`${file}-wal`) || existsSync(`${file}-shm`) || existsSync(`${file}-journal`)).toBe(false);
  });

  it('refuses random bytes, and a file too short to hold a header', async () => {
    writeFileSync(file, Buffer.concat([Buffer.from([0xde, 0xad, 0xbe, 0xef]), randomBytes(8188)]));
    const err = await refused(file);
    expect(err.code).toBe('STORE_CORRUPT');
    expect(err.message).toContain('starts with the bytes de ad be ef');
    writeFileSync(file, 'SQLite');
    expect((await refused(file)).code).toBe('STORE_CORRUPT');
  });

  it('refuses a file with a SQLite header followed by garbage', async () => {
    writeFileSync(file, Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), randomBytes(8176)]));
    const err = await refused(file);
    expect(err.code).toBe('STORE_CORRUPT');
    expect(err.message).toContain('SQLite reports');
  });

  it("refuses another application's database, listing its tables", async () => {
    const db = new Database(file);
    db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); CREATE TABLE orders (id INTEGER); INSERT INTO users VALUES (1, 'ann')");
    db.close();
    const err = await refused(file);
    expect(err.code).toBe('STORE_CORRUPT');
    expect(err.message).toContain('another application (tables: orders, users;');
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it("refuses another application's WAL-mode database without changing the file", async () => {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE notes (body TEXT)');
    db.close();
    expect((await refused(file)).code).toBe('STORE_CORRUPT');
  });

  it('refuses a database whose hookflow_meta lacks our marker, and a table-less one with a user_version', async () => {
    let db = new Database(file);
    db.exec("CREATE TABLE hookflow_meta (key TEXT PRIMARY KEY, value TEXT); INSERT INTO hookflow_meta VALUES ('app', 'someone-else')");
    db.close();
    expect((await refused(file)).message).toContain("no 'hookflow' marker");

    const other = join(dir.path, 'versioned.db');
    db = new Database(other);
    db.pragma('user_version = 7');
    db.close();
    const err = await refused(other);
    expect(err.code).toBe('STORE_CORRUPT');
    expect(err.message).toContain('no tables but user_version 7');
  });

  it('initialises a 0-byte file and an empty SQLite database', () => {
    writeFileSync(file, '');
    const empty = SqliteStore.open(file);
    empty.createRun(makeRun('r'));
    empty.close();
    expect(SqliteStore.open(file).getRun('r')?.id).toBe('r');

    const blank = join(dir.path, 'blank.db');
    const db = new Database(blank);
    db.exec('CREATE TABLE t (x); DROP TABLE t');
    db.close();
    expect(statSync(blank).size).toBeGreaterThan(0);
    const store = SqliteStore.open(blank);
    store.createRun(makeRun('r'));
    expect(store.getRun('r')?.id).toBe('r');
    store.close();
  });

  it('reports a damaged page of a hookflow store as STORE_CORRUPT when it is read', async () => {
    const store = SqliteStore.open(file);
    store.createRun(makeRun('r'));
    for (let seq = 1; seq <= 200; seq++) store.commit('r', stepBatch('r', seq));
    store.close();
    const db = new Database(file, { readonly: true });
    const root = db.prepare("SELECT rootpage FROM sqlite_schema WHERE name = 'events'").pluck().get() as number;
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.close();
    const bytes = readFileSync(file);
    bytes.fill(0xff, (root - 1) * pageSize, root * pageSize);
    writeFileSync(file, bytes);

    const damaged = SqliteStore.open(file);
    try {
      const err = await hookflowError(() => damaged.getEvents('r'));
      expect(err.code).toBe('STORE_CORRUPT');
      expect(err.message).toContain(file);
      expect(err.message).toMatch(/read the events of run 'r'/);
    } finally {
      damaged.close();
    }
  });
});
