/**
 * Running the real `hookflow` binary as a child process, for the crash and cross-process tests: build
 * check, spawn with a deadline, SIGKILL once the counting tools logged N executions, and reading the
 * execution log written by test/fixtures/persistence/counting-tools.mjs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const FIXTURES = join(REPO, 'test', 'fixtures', 'persistence');
export const BIN = join(REPO, 'bin', 'hookflow.js');
export const TOOLS = join(FIXTURES, 'counting-tools.mjs');

/** What a finished (or killed) CLI process left behind. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the harness killed it (kill point reached before the process ended on its own). */
  killed: boolean;
}

export interface SpawnOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** SIGKILL the process `delayMs` after `file` holds at least `lines` lines. */
  killAt?: { file: string; lines: number; delayMs: number };
  /** Fail the test rather than hang. @default 30000 */
  timeoutMs?: number;
  /** Called with each stderr chunk (to react to progress lines). */
  onStderr?: (chunk: string, kill: () => void) => void;
}

/** Newest mtime (ms) of the files under `dir`. */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/**
 * Builds (`npm run build`) when the compiled CLI is missing or older than src/ (`npm test` builds first;
 * this keeps a direct `vitest run` honest). bin/hookflow.js runs the bundle when it is at least as new
 * as dist/cli/main.js, else main.js. A lock directory serialises test files that ask at the same time.
 */
export async function ensureBuilt(): Promise<void> {
  const main = join(REPO, 'dist', 'cli', 'main.js');
  const fresh = (): boolean => existsSync(main) && statSync(main).mtimeMs >= newest(join(REPO, 'src'));
  if (fresh()) return;
  const lock = join(tmpdir(), `hookflow-build-${Buffer.from(REPO).toString('hex').slice(-24)}.lock`);
  for (let waited = 0; ; waited += 250) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (waited > 180_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    if (fresh()) return;
    const r = spawnSync('npm', ['run', 'build'], { cwd: REPO, encoding: 'utf8' });
    if (!fresh()) throw new Error(`npm run build did not produce a fresh ${main} (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Lines in a file (0 when it does not exist yet). */
export function lineCount(file: string): number {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return 0;
  }
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** Runs `hookflow <args>` as a child process. */
export function hookflow(args: string[], opts: SpawnOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? REPO,
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    const kill = (): void => {
      if (child.exitCode === null && child.signalCode === null) {
        killed = true;
        child.kill('SIGKILL');
      }
    };
    let poll: ReturnType<typeof setInterval> | undefined;
    if (opts.killAt) {
      const { file, lines, delayMs } = opts.killAt;
      poll = setInterval(() => {
        if (lineCount(file) < lines) return;
        clearInterval(poll);
        poll = undefined;
        if (delayMs <= 0) kill();
        else setTimeout(kill, delayMs);
      }, 1);
    }
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hookflow ${args.join(' ')} did not finish within ${opts.timeoutMs ?? 30_000} ms\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 30_000);
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
      opts.onStderr?.(c, kill);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(deadline);
      if (poll) clearInterval(poll);
      // 'exit' can precede the end of the pipes: wait for them before reporting.
      let open = 2;
      const done = (): void => {
        // A process that ended on its own just before the kill was sent does not count as killed.
        if (--open === 0) resolve({ code, signal, stdout, stderr, killed: killed && signal === 'SIGKILL' });
      };
      if (child.stdout.readableEnded) done();
      else child.stdout.once('end', done);
      if (child.stderr.readableEnded) done();
      else child.stderr.once('end', done);
    });
  });
}

/** One execution logged by the counting tools. */
export interface Execution {
  runId: string;
  path: string;
  attempt: number;
  idempotencyKey: string;
}

export function readExecutions(file: string): Execution[] {
  if (!existsSync(file)) return [];
  const out: Execution[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    const [runId, path, attempt, idempotencyKey] = line.split(' ');
    out.push({ runId: runId as string, path: path as string, attempt: Number(attempt), idempotencyKey: idempotencyKey as string });
  }
  return out;
}

/** `runId path attempt` with the root run id replaced by `R`, so two runs of one workflow compare. */
export function execKey(e: Execution, rootRunId: string): string {
  const run = e.runId === rootRunId ? 'R' : e.runId.startsWith(`${rootRunId}.`) ? `R${e.runId.slice(rootRunId.length)}` : e.runId;
  return `${run} ${e.path} ${e.attempt}`;
}

/** Deterministic PRNG (mulberry32) for seeded kill points. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Parses the `--json` result line of run/resume/signal. */
export function resultOf(r: CliResult): { runId: string; status: string; output: unknown; error: { code: string; message: string } | null } {
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as ReturnType<typeof resultOf>;
  } catch {
    throw new Error(`expected a JSON result on stdout, got ${JSON.stringify(r.stdout)} (exit ${r.code}, signal ${r.signal})\nstderr: ${r.stderr}`);
  }
}
