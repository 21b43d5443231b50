/**
 * Wall time of the CLI on a small workflow (workflows/hello.yaml, in-memory store): `node bin/hookflow.js
 * run` and `npx hookflow run` as a user types it. Target: ≤ 300 ms.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { reps, timeIt, type Measurement, type Profile } from './harness.js';

const run = promisify(execFile);
/** The package root: 'hookflow' resolves to <root>/dist/index.js. */
const ROOT = dirname(dirname(fileURLToPath(import.meta.resolve('hookflow'))));
const ARGS = ['run', 'workflows/hello.yaml', '--input', '{"name":"Ada"}', '--store', 'memory'];

async function cli(cmd: string, args: string[]): Promise<void> {
  const { stdout } = await run(cmd, args, { cwd: ROOT });
  if (!stdout.includes('Hello, Ada!')) throw new Error(`bench: unexpected CLI output: ${stdout}`);
}

/**
 * Times the CLI as `node bin/hookflow.js` or `npx hookflow`, or a bare `node -e ""` (the floor: Node's own
 * start-up on this machine at this moment). RSS and CPU would be the runner's own, so they are not reported.
 */
export async function measureCli(p: Profile, via: 'node' | 'npx' | 'floor'): Promise<Measurement> {
  const call =
    via === 'floor'
      ? () => run(process.execPath, ['-e', ''], { cwd: ROOT }).then(() => undefined)
      : via === 'node'
        ? () => cli(process.execPath, [join(ROOT, 'bin/hookflow.js'), ...ARGS])
        : () => cli('npx', ['--no-install', 'hookflow', ...ARGS]);
  const m = await timeIt({ run: call }, { units: 1, ...reps(p, 10, 2) });
  return { ...m, peakRssMb: Number.NaN, cpuMedianMs: Number.NaN };
}
