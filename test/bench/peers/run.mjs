/**
 * `npm run bench:peers`: S1, S2 (1,000), S3 and S4 on hookflow, raw async, XState, Mastra and LangGraph.js
 * in one run, printed as ONE markdown table (ratio = median run time over hookflow's). The hookflow side is
 * the compiled bench (dist-bench/, importing dist/); each case runs in its own child process and loads
 * only its own framework, so peak RSS is per case.
 *
 * Options: `--quick`, `--only S1,S4` (id prefixes), `--json file`.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { coreCases, storeCases } from '../../../dist-bench/test/bench/scenarios/cases.js';
import { argValue, childCaseId, machineLine, runCases, runChild } from '../../../dist-bench/test/bench/scenarios/harness.js';
import { mainTable } from '../../../dist-bench/test/bench/scenarios/report.js';

const TITLES = {
  S1: ['sequential chain of 200 steps', 'step'],
  S2: ['fan-out of 1,000 branches, then join', 'branch'],
  S3: ['loop of 1,000 iterations', 'iteration'],
  S4: ['S1 chain (200 steps) with a store', 'step'],
};

/** A peer case; `group` puts it next to the hookflow case of the same id prefix. */
function peer(p, group, scenario, impl, module, fn, variant = scenario) {
  const [title, unit] = TITLES[scenario];
  const slug = impl.split(' ')[0].toLowerCase();
  return { id: `${group}/${slug}${variant === scenario ? '' : '-memory'}`, scenario, title, impl, unit, measure: async () => (await import(module))[fn](p, variant) };
}

/** Scenario groups in table order; inside a group: hookflow, raw async, XState, Mastra, LangGraph. */
const GROUPS = ['S1', 'S2-1000', 'S3', 'S4'];

function allCases(p) {
  const ours = [...coreCases(p), ...storeCases(p)].filter((c) => GROUPS.includes(c.id.split('/')[0]));
  const mastra = (g, s, impl) => peer(p, g, s, impl, './mastra.mjs', 'measureMastra');
  const langgraph = (g, s, impl, variant) => peer(p, g, s, impl, './langgraph.mjs', 'measureLanggraph', variant);
  const peers = [
    mastra('S1', 'S1', 'Mastra 0.24'),
    mastra('S2-1000', 'S2', 'Mastra 0.24 (.foreach)'),
    mastra('S3', 'S3', 'Mastra 0.24 (.dountil)'),
    mastra('S4', 'S4', 'Mastra 0.24 + LibSQLStore'),
    langgraph('S1', 'S1', 'LangGraph 1.7'),
    langgraph('S2-1000', 'S2', 'LangGraph 1.7 (Send)'),
    langgraph('S3', 'S3', 'LangGraph 1.7'),
    langgraph('S4', 'S4', 'LangGraph 1.7 + SqliteSaver'),
    langgraph('S4', 'S4', 'LangGraph 1.7 + MemorySaver', 'S4-memory'),
  ];
  const all = [...ours, ...peers];
  return GROUPS.flatMap((g) => all.filter((c) => c.id.split('/')[0] === g));
}

const profile = { quick: process.argv.includes('--quick') };
const child = childCaseId();
if (child !== undefined) {
  await runChild(allCases(profile), child);
} else {
  const only = argValue('--only')?.split(',');
  const cases = allCases(profile).filter((c) => !only || only.some((o) => c.id.startsWith(o)));
  process.stderr.write(`hookflow bench:peers: ${cases.length} cases, one child process each${profile.quick ? ' (--quick)' : ''}\n`);
  const results = await runCases(fileURLToPath(import.meta.url), cases, profile.quick ? ['--quick'] : []);
  process.stdout.write(`Machine: ${await machineLine()}\n\n${mainTable(results)}\n`);
  const json = argValue('--json');
  if (json) writeFileSync(json, JSON.stringify(results, null, 2));
}
