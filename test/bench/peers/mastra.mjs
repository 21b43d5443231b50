/**
 * The peer scenarios on Mastra workflows (@mastra/core 0.24, the last line that runs on Node 20):
 * S1 `.then()` chain, S2 `.foreach()` over 1,000 items with concurrency 1,000, S3 `.dountil()`, and S4
 * the S1 chain registered on a Mastra instance with LibSQL storage (a snapshot is persisted per step).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Mastra } from '@mastra/core';
import { createStep, createWorkflow } from '@mastra/core/workflows';
import { LibSQLStore } from '@mastra/libsql';
import { z } from 'zod';
import { reps, timeIt } from '../../../dist-bench/test/bench/scenarios/harness.js';
import { noop } from '../../../dist-bench/test/bench/scenarios/raw.js';

const any = z.any();

function noopStep(id) {
  return createStep({ id, inputSchema: any, outputSchema: any, execute: () => noop() });
}

function chain(n, id = 'chain') {
  let wf = createWorkflow({ id, inputSchema: any, outputSchema: any });
  for (let i = 0; i < n; i++) wf = wf.then(noopStep(`s${i}`));
  return wf.commit();
}

/** Branches run by the S2 workflow (Mastra's foreach leaves null outputs out of its result, so count calls). */
let fanCalls = 0;

function fan(n) {
  const branch = createStep({
    id: 'b',
    inputSchema: any,
    outputSchema: any,
    execute: () => {
      fanCalls++;
      return noop();
    },
  });
  return createWorkflow({ id: 'fan', inputSchema: z.array(z.number()), outputSchema: any }).foreach(branch, { concurrency: n }).commit();
}

/** Iterations run by the S3 workflow, checked after each run. */
let loopCalls = 0;

function loop(n) {
  const body = createStep({
    id: 'body',
    inputSchema: any,
    outputSchema: any,
    execute: () => {
      loopCalls++;
      return noop();
    },
  });
  return createWorkflow({ id: 'loop', inputSchema: any, outputSchema: any })
    .dountil(body, async ({ iterationCount }) => iterationCount >= n)
    .commit();
}

async function start(wf, inputData) {
  const run = await wf.createRunAsync();
  const r = await run.start({ inputData });
  if (r.status !== 'success') throw new Error(`bench: Mastra run ended ${r.status}: ${r.error ?? ''}`);
  return r;
}

/** S4: a fresh LibSQL file and Mastra instance per repetition (not timed). */
function chainLibsql(p) {
  const dir = mkdtempSync(join(tmpdir(), 'hookflow-bench-mastra-'));
  let n = 0;
  return timeIt(
    {
      prepare: async () => {
        const storage = new LibSQLStore({ url: `file:${join(dir, `m${n++}.db`)}` });
        const mastra = new Mastra({ workflows: { chain: chain(200) }, storage, logger: false, telemetry: { enabled: false } });
        await storage.init();
        return mastra;
      },
      run: (mastra) => start(mastra.getWorkflow('chain'), {}),
    },
    { units: 200, ...reps(p, 10, 2) },
  ).finally(() => rmSync(dir, { recursive: true, force: true }));
}

/** Times one scenario on Mastra; workflows are built before timing. */
export function measureMastra(p, scenario) {
  switch (scenario) {
    case 'S1': {
      const wf = chain(200);
      return timeIt({ run: () => start(wf, {}) }, { units: 200, ...reps(p, 20, 3) });
    }
    case 'S2': {
      const wf = fan(1000);
      const items = Array.from({ length: 1000 }, (_, i) => i);
      const run = async () => {
        fanCalls = 0;
        await start(wf, items);
        if (fanCalls !== 1000) throw new Error(`bench: Mastra foreach ran ${fanCalls} branches`);
      };
      return timeIt({ run }, { units: 1000, ...reps(p, 10, 2) });
    }
    case 'S3': {
      const wf = loop(1000);
      const run = async () => {
        loopCalls = 0;
        await start(wf, {});
        if (loopCalls !== 1000) throw new Error(`bench: Mastra dountil ran ${loopCalls} iterations`);
      };
      return timeIt({ run }, { units: 1000, ...reps(p, 10, 2) });
    }
    case 'S4':
      return chainLibsql(p);
  }
  throw new Error(`bench: no Mastra scenario ${scenario}`);
}
