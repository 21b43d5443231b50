import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory.js';
import { defaultOwnerId, isLocalOwnerAlive, openStore, resolveStoreTarget } from '../../src/store/index.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { hookflowError, makeRun, tempDir, type TempDir } from './fixtures.js';

describe('resolveStoreTarget', () => {
  const cwd = '/work/project';

  it('prefers --store, then HOOKFLOW_STORE, then <cwd>/.hookflow/hookflow.db', () => {
    expect(resolveStoreTarget('a.db', cwd, { HOOKFLOW_STORE: 'b.db' })).toEqual({ kind: 'sqlite', file: '/work/project/a.db' });
    expect(resolveStoreTarget(undefined, cwd, { HOOKFLOW_STORE: 'b.db' })).toEqual({ kind: 'sqlite', file: '/work/project/b.db' });
    expect(resolveStoreTarget(undefined, cwd, {})).toEqual({ kind: 'sqlite', file: '/work/project/.hookflow/hookflow.db' });
    // Empty values count as unset, as with `HOOKFLOW_STORE= hookflow run ...`.
    expect(resolveStoreTarget('', cwd, { HOOKFLOW_STORE: '  ' })).toEqual({ kind: 'sqlite', file: '/work/project/.hookflow/hookflow.db' });
  });

  it('understands memory, sqlite:<path> and plain paths', () => {
    expect(resolveStoreTarget('memory', cwd, {})).toEqual({ kind: 'memory' });
    expect(resolveStoreTarget(undefined, cwd, { HOOKFLOW_STORE: 'memory:' })).toEqual({ kind: 'memory' });
    expect(resolveStoreTarget('sqlite:/var/lib/hf.db', cwd, {})).toEqual({ kind: 'sqlite', file: '/var/lib/hf.db' });
    expect(resolveStoreTarget('sqlite:///var/lib/hf.db', cwd, {})).toEqual({ kind: 'sqlite', file: '/var/lib/hf.db' });
    expect(resolveStoreTarget('sqlite:data/hf.db', cwd, {})).toEqual({ kind: 'sqlite', file: '/work/project/data/hf.db' });
    expect(resolveStoreTarget('../shared/hf.db', cwd, {})).toEqual({ kind: 'sqlite', file: '/work/shared/hf.db' });
    expect(resolveStoreTarget('/abs/hf.db', cwd, {})).toEqual({ kind: 'sqlite', file: '/abs/hf.db' });
  });

  it('rejects specs it cannot serve with INPUT, saying where the value came from and what is accepted', async () => {
    const pg = await hookflowError(() => resolveStoreTarget('postgres://db/hookflow', cwd, {}));
    expect(pg.code).toBe('INPUT');
    expect(pg.message).toBe(
      "invalid store 'postgres://db/hookflow' (from --store): the postgres backend is not available; expected `memory`, `sqlite:<path>` or a file path such as .hookflow/hookflow.db",
    );
    expect((await hookflowError(() => resolveStoreTarget(undefined, cwd, { HOOKFLOW_STORE: 'sqlite:' }))).message).toMatch(
      /from HOOKFLOW_STORE\): the sqlite: prefix needs a file path/,
    );
    expect((await hookflowError(() => resolveStoreTarget('memory:shared', cwd, {}))).code).toBe('INPUT');
  });
});

describe('openStore', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => dir.cleanup());

  it('opens the default SQLite file under the working directory, creating .hookflow/', () => {
    const store = openStore(undefined, dir.path, {});
    try {
      expect(store).toBeInstanceOf(SqliteStore);
      const file = join(resolve(dir.path), '.hookflow', 'hookflow.db');
      expect(store.kind).toBe(`sqlite:${file}`);
      expect(existsSync(file)).toBe(true);
    } finally {
      store.close();
    }
  });

  it('opens HOOKFLOW_STORE and passes options through', async () => {
    let clock = 0;
    const store = openStore(undefined, dir.path, { HOOKFLOW_STORE: 'sqlite:env.db' }, { now: () => clock });
    try {
      expect(store.kind).toBe(`sqlite:${join(resolve(dir.path), 'env.db')}`);
      await store.putMeta('ns', 'k', 1, 10);
      clock = 20;
      expect(await store.getMeta('ns', 'k')).toBeUndefined();
    } finally {
      store.close();
    }
  });

  it('gives a fresh MemoryStore for memory', async () => {
    const store = openStore('memory', dir.path, {});
    expect(store).toBeInstanceOf(MemoryStore);
    await store.createRun(makeRun('r'));
    expect(openStore('memory', dir.path, {}).getRun('r')).toBeUndefined();
    expect(existsSync(join(dir.path, '.hookflow'))).toBe(false);
  });
});

describe('owners', () => {
  it('names this process host:pid', () => {
    expect(defaultOwnerId()).toBe(`${hostname()}:${process.pid}`);
  });

  it('asks the OS about local owners and assumes remote ones alive', () => {
    expect(isLocalOwnerAlive(defaultOwnerId())).toBe(true);
    const exited = spawnSync(process.execPath, ['-e', '0']);
    expect(exited.pid).toBeGreaterThan(0);
    expect(isLocalOwnerAlive(`${hostname()}:${exited.pid}`)).toBe(false);
    expect(isLocalOwnerAlive(`some-other-host.example:${exited.pid}`)).toBe(true);
    // pid 1 always exists; whether we may signal it or not, it is alive.
    expect(isLocalOwnerAlive(`${hostname()}:1`)).toBe(true);
  });

  it('reads malformed owners as dead, so they cannot lock a run forever', () => {
    for (const owner of ['', 'nohost', `${hostname()}:`, `${hostname()}:abc`, ':123', `${hostname()}:0`]) {
      expect(isLocalOwnerAlive(owner)).toBe(false);
    }
  });
});
