import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite.js';
import { makeRun, tempDir, type TempDir } from './fixtures.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const PER_TX = 25;

/**
 * A second process writing the store's tables the way a running engine does (WAL, synchronous
 * NORMAL), one transaction per loop: PER_TX events, the run's journal head, the step row. It prints
 * the number of each transaction after COMMIT returns.
 */
const WRITER = `
const Database = require('better-sqlite3');
const db = new Database(process.argv[1]);
db.pragma('busy_timeout = 5000');
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('foreign_keys = ON');
const event = db.prepare('INSERT INTO events (run_id, seq, id, type, time, correlation_id, causation_id, source, data) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)');
const head = db.prepare('UPDATE runs SET last_seq = ?, updated_at = ? WHERE id = ?');
const step = db.prepare("INSERT INTO steps (run_id, path, first_seq, step_id, kind, status, attempt, output) VALUES ('r', 'loop', 0, 'loop', 'tool', 'running', ?, ?) ON CONFLICT (run_id, path) DO UPDATE SET attempt = excluded.attempt, output = excluded.output");
const tx = db.transaction((n) => {
  for (let i = 1; i <= ${PER_TX}; i++) {
    const seq = (n - 1) * ${PER_TX} + i;
    event.run('r', seq, 'e' + seq, 'loop.iteration', new Date(seq).toISOString(), 'r', '{"component":"child","language":"js"}', JSON.stringify({ n, i, pad: 'x'.repeat(300) }));
  }
  head.run(n * ${PER_TX}, new Date(n).toISOString(), 'r');
  step.run(n, JSON.stringify({ n }));
});
for (let n = 1; ; n++) { tx(n); process.stdout.write(n + '\\n'); }
`;

/** Starts the writer on `file`, SIGKILLs it once it reported `atLeast` commits; resolves with the last reported one. */
function writeUntilKilled(file: string, atLeast: number): Promise<{ reported: number; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', WRITER, file], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let reported = 0;
    let stderr = '';
    let buffered = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) reported = Number(line);
      if (reported >= atLeast && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ reported, signal });
      else reject(new Error(`writer exited with ${code}: ${stderr}`));
    });
  });
}

describe('crash safety', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => dir.cleanup());

  it('keeps exactly the whole transactions of a writer killed with SIGKILL mid-way', async () => {
    const file = join(dir.path, 'hookflow.db');
    const setup = SqliteStore.open(file);
    setup.createRun(makeRun('r'));
    setup.close();

    const { reported, signal } = await writeUntilKilled(file, 40);
    expect(signal).toBe('SIGKILL');
    // The killed process never checkpointed or removed its WAL: recovery is up to the next open.
    expect(existsSync(`${file}-wal`)).toBe(true);

    const store = SqliteStore.open(file);
    try {
      const run = store.getRun('r');
      const events = store.getEvents('r');
      const committed = (run?.lastSeq ?? 0) / PER_TX;
      // Every transaction whose COMMIT returned survived; none is half there.
      expect(Number.isInteger(committed)).toBe(true);
      expect(committed).toBeGreaterThanOrEqual(reported);
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: committed * PER_TX }, (_, i) => i + 1));
      expect(events.at(-1)?.data).toMatchObject({ n: committed, i: PER_TX });
      expect(store.getSteps('r')).toMatchObject([{ path: 'loop', attempt: committed, output: { n: committed } }]);
    } finally {
      store.close();
    }
    const db = new Database(file, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });
});
