/**
 * `npm run bench`: hookflow's own suite (S1–S7, growth check, CLI wall time, component figures) against
 * raw async and XState, on the tsc build. Every case runs in its own child process (so peak RSS is per
 * case); the parent prints markdown tables to stdout and progress to stderr.
 *
 * Options: `--quick` (few repetitions, for a smoke run), `--only S1,S5,growth` (id prefixes),
 * `--json file` (raw results), `--profile dir` (profile each case's timed repetitions and list its hot spots).
 */
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allCases } from './scenarios/cases.js';
import { argValue, childCaseId, machineLine, profileName, runCases, runChild, type CaseResult, type Profile } from './scenarios/harness.js';
import { formatHotSpots } from './scenarios/profile.js';
import { growthTable, mainTable, targetList } from './scenarios/report.js';

/**
 * The other engineers' bench scripts import src/ and so run from a compiled copy in dist-bench/src, which
 * looks for definitions/ beside it as dist/ does in the package: link it there.
 */
function linkDefinitions(): void {
  const link = fileURLToPath(new URL('../../definitions', import.meta.url));
  if (!existsSync(link)) symlinkSync('../definitions', link);
}

const opts: Profile = { quick: process.argv.includes('--quick') };
const child = childCaseId();
if (child !== undefined) {
  await runChild(allCases(opts), child);
} else {
  linkDefinitions();
  const only = argValue('--only')?.split(',');
  const cases = allCases(opts).filter((c) => !only || only.some((o) => c.id.startsWith(o)));
  process.stderr.write(`hookflow bench: ${cases.length} cases, one child process each${opts.quick ? ' (--quick)' : ''}\n`);
  const profileDir = argValue('--profile');
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const results: CaseResult[] = await runCases(fileURLToPath(import.meta.url), cases, opts.quick ? ['--quick'] : [], profileDir && resolve(profileDir));
  const out = [
    `Machine: ${await machineLine()}`,
    '',
    mainTable(results),
    '',
    growthTable(results),
    '',
    targetList(results),
  ];
  if (profileDir) {
    const files = cases.map((c) => [c.id, join(profileDir, profileName(c.id))] as const).filter(([, f]) => existsSync(f));
    out.push('', 'CPU profiles of the timed repetitions (V8 sampling profiler, self time):', '', ...files.map(([id, f]) => formatHotSpots(id, f)));
  }
  process.stdout.write(`${out.join('\n')}\n`);
  const json = argValue('--json');
  if (json) writeFileSync(json, JSON.stringify(results, null, 2));
}
