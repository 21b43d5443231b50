/**
 * Persistence through the CLI: suspend in one process and signal from another, signal timeouts, a durable
 * `wait:` across a SIGKILL, cancelling suspended and live runs from another process, `runs`, `show`,
 * `trace`, `prune --older-than`, and refusing corrupted or foreign database files without touching them.
 * Commands that must run in their own process are spawned (bin/hookflow.js); the others call `main`.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';
import { SqliteStore } from '../../src/index.js';
import { FIXTURES, TOOLS, ensureBuilt, hookflow, readExecutions, resultOf } from '../persistence/cli-harness.js';

let dir: string;
let n = 0;
const savedSleep = process.env.HOOKFLOW_COUNT_SLEEP_MS;

beforeAll(async () => {
  await ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hookflow-cli-persist-'));
  // The counting tools (loaded in this process by in-process commands) need not sleep here.
  process.env.HOOKFLOW_COUNT_SLEEP_MS = '0';
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (savedSleep === undefined) delete process.env.HOOKFLOW_COUNT_SLEEP_MS;
  else process.env.HOOKFLOW_COUNT_SLEEP_MS = savedSleep;
});

/** A fresh store path and execution log for one test. */
function fresh(): { db: string; count: string; env: Record<string, string> } {
  n++;
  const count = join(dir, `exec-${n}.log`);
  return { db: join(dir, `store-${n}.db`), count, env: { HOOKFLOW_COUNT_FILE: count, HOOKFLOW_COUNT_SLEEP_MS: '0' } };
}

const fixture = (name: string): string => join(FIXTURES, name);

/** `hookflow <argv>` in this process. */
async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (t) => (out += t), stderr: (t) => (err += t), cwd: dir, env: {}, isTTY: false };
  const code = await main(argv, io);
  return { code, out, err };
}

/** Polls the store (read-only) until `cond` holds for the run. */
async function waitForRun(db: string, runId: string, cond: (run: NonNullable<ReturnType<SqliteStore['getRun']>>) => boolean, timeoutMs = 20_000): Promise<NonNullable<ReturnType<SqliteStore['getRun']>>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (existsSync(db)) {
      let store: SqliteStore | undefined;
      try {
        store = SqliteStore.open(db, { readonly: true });
        const run = store.getRun(runId);
        if (run && cond(run)) return run;
      } catch (err) {
        // The writer may not have created the schema yet.
        if (!(err instanceof Error) || !/no hookflow store|needs migrating/.test(err.message)) throw err;
      } finally {
        store?.close();
      }
    }
    if (Date.now() > until) throw new Error(`run ${runId} did not reach the expected state within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('suspend and signal across processes', () => {
  it('a run suspended by one process is carried on by `hookflow signal` in another, with the signal data', async () => {
    const { db, count, env } = fresh();
    const a = await hookflow(['run', fixture('approve.yaml'), '--store', db, '--tools', TOOLS, '--run-id', 'A1', '--json'], { env });
    expect(a.code, a.stderr).toBe(3);
    expect(resultOf(a)).toMatchObject({ runId: 'A1', status: 'suspended', output: null });
    expect(a.stderr).toContain('hookflow: run A1 (cli-approve) on sqlite:');

    const listed = await cli(['runs', '--store', db, '--status', 'suspended', '--json']);
    expect((JSON.parse(listed.out) as Array<{ id: string }>).map((r) => r.id)).toEqual(['A1']);

    const b = await hookflow(['signal', 'A1', 'approve', '--data', '{"ok":true}', '--store', db, '--tools', TOOLS, '--json'], { env });
    expect(b.code, b.stderr).toBe(0);
    expect(resultOf(b)).toEqual({
      runId: 'A1',
      status: 'completed',
      output: { prepared: { order: 42, audited: true }, approval: { ok: true }, ship: 'shipped 42' },
      error: null,
    });
    // prepare ran once, in process A; ship once, in process B.
    expect(readExecutions(count).map((e) => `${e.path}#${e.attempt}`)).toEqual(['prepare#1', 'ship#1']);
    const again = await cli(['signal', 'A1', 'approve', '--store', db, '--tools', TOOLS]);
    expect(again.code).toBe(2);
    expect(again.err.trimEnd().split('\n').pop()).toBe('hookflow: VALIDATION: run "A1" is already completed; signals are only delivered to running or suspended runs');
  }, 60_000);

  it('a process killed while carrying a signalled run on leaves it resumable: the signal is not lost or taken twice', async () => {
    const { db, count, env } = fresh();
    expect((await hookflow(['run', fixture('approve.yaml'), '--store', db, '--tools', TOOLS, '--run-id', 'K1', '--json'], { env })).code).toBe(3);
    // Process B takes the signal and is killed inside `ship` (which now sleeps 2 s).
    const b = await hookflow(['signal', 'K1', 'approve', '--data', '{"by":"ops"}', '--store', db, '--tools', TOOLS, '--json'], {
      env: { ...env, HOOKFLOW_COUNT_SLEEP_MS: '2000' },
      killAt: { file: count, lines: 2, delayMs: 100 },
    });
    expect(b.killed).toBe(true);
    const c = await hookflow(['resume', 'K1', '--store', db, '--tools', TOOLS, '--json'], { env });
    expect(c.code, c.stderr).toBe(0);
    expect(resultOf(c).output).toEqual({ prepared: { order: 42, audited: true }, approval: { by: 'ops' }, ship: 'shipped 42' });
    // ship was in flight at the kill: it ran again with the same idempotency key; prepare never again.
    expect(readExecutions(count).map((e) => e.idempotencyKey)).toEqual(['K1/prepare/1', 'K1/ship/1', 'K1/ship/1']);
  }, 60_000);

  it('a run live in one process cannot be resumed by another (RUN_BUSY, exit 2)', async () => {
    const { db, env } = fresh();
    const runP = hookflow(['run', fixture('long-wait.yaml'), '--store', db, '--tools', TOOLS, '--run-id', 'B1', '--json'], { env });
    const live = await waitForRun(db, 'B1', (r) => typeof r.wakeAt === 'number');
    const b = await cli(['resume', 'B1', '--store', db, '--tools', TOOLS]);
    expect(b.code).toBe(2);
    expect(b.err).toContain(`hookflow: RUN_BUSY: run "B1" is being executed by another live process (${live.owner as string})`);
    expect((await cli(['cancel', 'B1', '--store', db])).code).toBe(1);
    expect((await runP).code).toBe(1);
  }, 60_000);

  it('a wait whose timeout passed while nobody ran fails with SIGNAL_TIMEOUT on resume, and so does a late signal', async () => {
    const { db, env } = fresh();
    for (const id of ['T1', 'T2']) {
      const a = await hookflow(['run', fixture('approve-timeout.yaml'), '--store', db, '--tools', TOOLS, '--run-id', id, '--json'], { env });
      expect(a.code, a.stderr).toBe(3);
    }
    const t1 = await waitForRun(db, 'T1', (r) => r.status === 'suspended');
    const t2 = await waitForRun(db, 'T2', (r) => r.status === 'suspended');
    expect(t1.wakeAt).toBeGreaterThan(Date.parse(t1.createdAt));
    const left = Math.max(t1.wakeAt as number, t2.wakeAt as number) + 50 - Date.now();
    if (left > 0) await new Promise((r) => setTimeout(r, left));
    const resumed = await cli(['resume', 'T1', '--store', db, '--tools', TOOLS, '--json']);
    expect(resumed.code).toBe(1);
    expect(JSON.parse(resumed.out)).toMatchObject({ status: 'failed', error: { code: 'SIGNAL_TIMEOUT', step: 'approval' } });
    const late = await cli(['signal', 'T2', 'approve', '--data', '"yes"', '--store', db, '--tools', TOOLS, '--json']);
    expect(late.code).toBe(1);
    expect(JSON.parse(late.out)).toMatchObject({ status: 'failed', error: { code: 'SIGNAL_TIMEOUT' } });
  }, 60_000);
});

describe('durable wait across a SIGKILL', () => {
  it('the resumed run wakes at the journaled time: it waits only the remainder', async () => {
    const { db, count, env } = fresh();
    let wakeAt = 0;
    const killedAt = { t: 0 };
    const runP = hookflow(['run', fixture('durable-wait.yaml'), '--store', db, '--tools', TOOLS, '--run-id', 'W1', '--json'], { env });
    // Kill it half a second into the 3 s wait.
    const watcher = waitForRun(db, 'W1', (r) => typeof r.wakeAt === 'number').then(async (r) => {
      wakeAt = r.wakeAt as number;
      await new Promise((res) => setTimeout(res, 500));
      const pid = (r.owner ?? '').split(':').pop();
      killedAt.t = Date.now();
      process.kill(Number(pid), 'SIGKILL');
    });
    const [a] = await Promise.all([runP, watcher]);
    expect(a.signal).toBe('SIGKILL');
    expect(killedAt.t).toBeLessThan(wakeAt);

    const b = await hookflow(['resume', 'W1', '--store', db, '--tools', TOOLS, '--json'], { env });
    expect(b.code, b.stderr).toBe(0);
    expect(resultOf(b)).toMatchObject({ status: 'completed', output: 'after' });
    const store = SqliteStore.open(db, { readonly: true });
    const events = store.getEvents('W1');
    store.close();
    const resumedAt = Date.parse(events.find((e) => e.type === 'run.resumed')?.time ?? '');
    const woke = Date.parse(events.find((e) => e.type === 'step.completed' && (e.data as { path: string }).path === 'pause')?.time ?? '');
    // Woke at the journaled time (or at once, if the restart came later), never a fresh 3 s after the restart.
    expect(woke).toBeGreaterThanOrEqual(wakeAt);
    expect(woke - Math.max(wakeAt, resumedAt)).toBeLessThan(1000);
    expect(readExecutions(count).map((e) => e.path)).toEqual(['before', 'after']);
  }, 60_000);
});

describe('cancel', () => {
  it('cancels a suspended run; later signals are refused and `runs --status` shows it', async () => {
    const { db, env } = fresh();
    const a = await hookflow(['run', fixture('approve.yaml'), '--store', db, '--tools', TOOLS, '--run-id', 'C1', '--json'], { env });
    expect(a.code).toBe(3);
    const c = await cli(['cancel', 'C1', '--store', db, '--reason', 'not needed', '--json']);
    expect(c.code).toBe(1);
    expect(JSON.parse(c.out)).toEqual({ runId: 'C1', status: 'cancelled', output: null, error: { code: 'CANCELLED', message: 'not needed' } });
    const s = await cli(['signal', 'C1', 'approve', '--store', db, '--tools', TOOLS]);
    expect(s.code).toBe(2);
    expect(s.err).toContain('already cancelled');
    const runs = await cli(['runs', '--store', db, '--status', 'cancelled']);
    expect(runs.out).toMatch(/^C1 {2}cancelled {2}cli-approve {2}\S+ {2}CANCELLED\n$/);
    expect((await cli(['runs', '--store', db, '--status', 'suspended'])).err).toBe('no runs\n');
  }, 60_000);

  it('cancels a run that is live in another process: the owner stops within its poll interval', async () => {
    const { db, count, env } = fresh();
    const runP = hookflow(['run', fixture('long-wait.yaml'), '--store', db, '--tools', TOOLS, '--run-id', 'L1', '--json'], { env });
    await waitForRun(db, 'L1', (r) => typeof r.wakeAt === 'number');
    const t0 = Date.now();
    const b = await hookflow(['cancel', 'L1', '--store', db, '--json'], { env });
    const a = await runP;
    expect(b.code, b.stderr).toBe(1);
    expect(resultOf(b)).toMatchObject({ runId: 'L1', status: 'cancelled', error: { code: 'CANCELLED', message: 'cancelled from the CLI' } });
    expect(a.code, a.stderr).toBe(1);
    expect(resultOf(a)).toMatchObject({ status: 'cancelled', error: { code: 'CANCELLED' } });
    // Far sooner than the 60 s wait: the owner saw the request at its next check.
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(readExecutions(count).map((e) => e.path)).toEqual(['before']);
  }, 60_000);
});

describe('runs, show, trace', () => {
  it('lists runs by status, shows a timeline with totals, and traces every hook decision', async () => {
    const { db, env } = fresh();
    expect((await hookflow(['run', fixture('approve.yaml'), '--store', db, '--tools', TOOLS, '--run-id', 'V1', '--json'], { env })).code).toBe(3);
    expect((await cli(['signal', 'V1', 'approve', '--data', '1', '--store', db, '--tools', TOOLS])).code).toBe(0);
    expect((await cli(['run', fixture('approve.yaml'), '--store', db, '--tools', TOOLS, '--run-id', 'V2', '--quiet'])).code).toBe(3);

    const all = await cli(['runs', '--store', db]);
    expect(all.out.split('\n').filter(Boolean).map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual(['V2 suspended', 'V1 completed']);
    expect((await cli(['runs', '--store', db, '--status', 'completed', '--json'])).out).toContain('"id":"V1"');
    expect((await cli(['runs', '--store', db, '--status', 'bogus'])).code).toBe(2);

    const show = await cli(['show', 'V1', '--store', db]);
    expect(show.code).toBe(0);
    expect(show.out).toContain('run       V1\nworkflow  cli-approve\nstatus    completed\n');
    expect(show.out).toMatch(/definition \S+approve\.yaml sha256:[0-9a-f]{12}\n/);
    expect(show.out).toContain('totals\n  tokens: {"input":120,"output":30}\n');
    const timeline = show.out.slice(show.out.indexOf('steps\n') + 6).trimEnd().split('\n');
    expect(timeline.map((l) => l.trim().split(/\s+/).slice(1, 3).join(' '))).toEqual(['completed prepare', 'completed approval', 'completed ship']);
    const json = JSON.parse((await cli(['show', 'V1', '--store', db, '--json'])).out) as { status: string; steps: Array<{ path: string }>; definition: { hash: string } };
    expect(json.status).toBe('completed');
    expect(json.steps.map((s) => s.path)).toEqual(['prepare', 'approval', 'ship']);
    expect(json.definition.hash).toMatch(/^[0-9a-f]{64}$/);

    const trace = await cli(['trace', 'V1', '--store', db]);
    expect(trace.code).toBe(0);
    expect(trace.out).toMatch(/#\d+ {2}after_step {9}audit {16}modify +\d+(\.\d+)? ms {2}@ prepare\n/);
    expect((await cli(['show', 'nope', '--store', db])).code).toBe(2);
  }, 60_000);
});

describe('prune --older-than', () => {
  it('deletes finished runs and their journals; the file does not keep growing over run/prune cycles', async () => {
    const { db } = fresh();
    const sizes: number[] = [];
    const size = (): number => statSync(db).size + (existsSync(`${db}-wal`) ? statSync(`${db}-wal`).size : 0);
    expect((await cli(['run', fixture('approve.yaml'), '--store', db, '--tools', TOOLS, '--run-id', 'keep', '--quiet'])).code).toBe(3);
    for (let cycle = 0; cycle < 4; cycle++) {
      for (let i = 0; i < 12; i++) {
        const r = await cli(['run', fixture('loops.yaml'), '--store', db, '--tools', TOOLS, '--run-id', `c${cycle}-${i}`, '--quiet', '--json']);
        expect(r.code, r.err).toBe(0);
      }
      await new Promise((r) => setTimeout(r, 5));
      const p = await cli(['prune', '--older-than', '0s', '--store', db]);
      expect(p).toMatchObject({ code: 0, out: 'pruned 12 runs\n' });
      sizes.push(size());
    }
    // Suspended runs are never pruned; finished ones are gone with their journal.
    const left = await cli(['runs', '--store', db, '--json']);
    expect((JSON.parse(left.out) as Array<{ id: string }>).map((r) => r.id)).toEqual(['keep']);
    expect((await cli(['prune', '--older-than', '30d', '--store', db, '--json'])).out).toBe('{"pruned":0}\n');
    // Freed pages are reused (and handed back): later cycles do not add a cycle's worth of pages.
    expect(sizes[3]).toBeLessThanOrEqual((sizes[1] as number) * 1.1);
    expect((await cli(['prune', '--older-than', 'soon', '--store', db])).code).toBe(2);
  }, 120_000);
});

/** A store holding one finished run `R`, then `damage` applied to its bytes (page size 4096; may return new bytes). */
async function damagedStore(file: string, damage: (bytes: Buffer, pages: number) => Buffer | void): Promise<void> {
  const r = await cli(['run', fixture('loops.yaml'), '--store', file, '--tools', TOOLS, '--run-id', 'R', '--quiet']);
  expect(r.code, r.err).toBe(0);
  expect(existsSync(`${file}-wal`)).toBe(false);
  const bytes = readFileSync(file);
  expect(bytes.length / 4096).toBeGreaterThan(12);
  writeFileSync(file, damage(bytes, bytes.length / 4096) ?? bytes);
}

describe('corrupted and foreign database files', () => {
  const all = (file: string): string[][] => [
    ['run', fixture('approve.yaml'), '--store', file, '--tools', TOOLS],
    ['resume', 'R', '--store', file],
    ['signal', 'R', 'go', '--store', file],
    ['cancel', 'R', '--store', file],
    ['runs', '--store', file],
    ['show', 'R', '--store', file],
    ['trace', 'R', '--store', file],
    ['prune', '--older-than', '1d', '--store', file],
  ];
  const reads = (file: string): string[][] => [
    ['resume', 'R', '--store', file],
    ['cancel', 'R', '--store', file],
    ['runs', '--store', file],
    ['show', 'R', '--store', file],
    ['trace', 'R', '--store', file],
  ];
  const cases: Array<[string, (file: string) => void | Promise<void>, RegExp, (file: string) => string[][]]> = [
    ['a text file', (f) => writeFileSync(f, 'this is not a database\n'.repeat(200)), /STORE_CORRUPT: .*not a SQLite database.*left untouched/, all],
    [
      'another application’s SQLite database',
      (f) => {
        const db = new Database(f);
        db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('ada'), ('grace');");
        db.close();
      },
      /STORE_CORRUPT: .*another application \(tables: users;.*left untouched/,
      all,
    ],
    [
      'a hookflow store with a damaged header',
      (f) => {
        const store = SqliteStore.open(f);
        store.close();
        const bytes = readFileSync(f);
        bytes.fill(0xa5, 16, 100);
        writeFileSync(f, bytes);
      },
      /STORE_CORRUPT: .*left untouched/,
      all,
    ],
    [
      'a truncated hookflow store',
      (f) => damagedStore(f, (bytes) => bytes.subarray(0, 4096 * 4)),
      /STORE_CORRUPT: .*malformed.*left untouched/,
      all,
    ],
    [
      'a hookflow store whose pages after the first are overwritten',
      (f) => damagedStore(f, (bytes, pages) => {
        for (let p = 1; p < pages; p++) bytes.fill(0x5a, p * 4096 + 8, p * 4096 + 4000);
      }),
      /STORE_CORRUPT: .*hookflow's tables but the 'hookflow' marker in hookflow_meta is missing or unreadable/,
      all,
    ],
    [
      // Damage past the schema is met only when read: reading commands refuse it and leave it as it is.
      'a hookflow store with damaged data pages',
      (f) => damagedStore(f, (bytes, pages) => {
        for (let p = pages - 8; p < pages; p++) bytes.fill(0x5a, p * 4096 + 8, p * 4096 + 4000);
      }),
      /STORE_CORRUPT: .*malformed" while trying to (read|list).*rolled back/,
      reads,
    ],
  ];
  for (const [what, make, message, commands] of cases) {
    it(`refuses ${what} with one clear line and exit 2, and leaves it byte-identical`, async () => {
      const file = join(dir, `bad-${++n}.db`);
      await make(file);
      const before = sha(file);
      for (const argv of commands(file)) {
        const r = await cli(argv);
        expect(r.code, argv.join(' ')).toBe(2);
        // One error line (after at most a progress line such as "resuming run R"), no stack trace.
        const lines = r.err.trimEnd().split('\n');
        expect(lines.filter((l) => /^hookflow: [A-Z_]+: /.test(l)), argv.join(' ')).toHaveLength(1);
        expect(lines.at(-1), argv.join(' ')).toMatch(message);
        expect(r.err).not.toMatch(/\n\s+at /);
      }
      expect(sha(file)).toBe(before);
      expect(existsSync(`${file}-wal`) && statSync(`${file}-wal`).size > 0).toBe(false);
      // The spawned binary says the same.
      const spawned = await hookflow(['runs', '--store', file]);
      expect(spawned.code).toBe(2);
      expect(spawned.stderr).toMatch(message);
      expect(sha(file)).toBe(before);
    }, 60_000);
  }
});
