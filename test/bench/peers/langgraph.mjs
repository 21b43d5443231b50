/**
 * The peer scenarios on LangGraph.js (@langchain/langgraph 1.7): S1 a chain of 200 nodes, S2 a map-reduce
 * fan-out of 1,000 `Send`s joined by a reducer, S3 a node looping on a conditional edge, and S4 the S1
 * chain checkpointed by SqliteSaver (and by MemorySaver, next to hookflow's memory store).
 */
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Annotation, END, MemorySaver, Send, START, StateGraph } from '@langchain/langgraph';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import { reps, timeIt } from '../../../dist-bench/test/bench/scenarios/harness.js';
import { noop } from '../../../dist-bench/test/bench/scenarios/raw.js';

// LangGraph adds one abort listener per pending task to a shared signal; Node's leak warning is noise here.
setMaxListeners(0);

// Every superstep counts against the recursion limit (default 25); allow the largest scenario.
const LIMIT = { recursionLimit: 10_000 };

const State = Annotation.Root({
  i: Annotation({ reducer: (_old, next) => next, default: () => 0 }),
  done: Annotation({ reducer: (a, b) => a + b, default: () => 0 }),
});

async function step() {
  await noop();
  return {};
}

function chain(n) {
  const g = new StateGraph(State);
  for (let i = 0; i < n; i++) g.addNode(`s${i}`, step);
  g.addEdge(START, 's0');
  for (let i = 1; i < n; i++) g.addEdge(`s${i - 1}`, `s${i}`);
  g.addEdge(`s${n - 1}`, END);
  return g;
}

function fan(n) {
  return new StateGraph(State)
    .addNode('branch', async () => {
      await noop();
      return { done: 1 };
    })
    .addConditionalEdges(START, () => Array.from({ length: n }, (_, i) => new Send('branch', { i })))
    .addEdge('branch', END)
    .compile();
}

function loop(n) {
  return new StateGraph(State)
    .addNode('body', async (s) => {
      await noop();
      return { i: s.i + 1 };
    })
    .addEdge(START, 'body')
    .addConditionalEdges('body', (s) => (s.i < n ? 'body' : END))
    .compile();
}

async function invoke(graph, config = {}) {
  return graph.invoke({}, { ...LIMIT, ...config });
}

/** S4 with SqliteSaver: a fresh database file and compiled graph per repetition (not timed). */
function chainSqlite(p) {
  const dir = mkdtempSync(join(tmpdir(), 'hookflow-bench-langgraph-'));
  let n = 0;
  return timeIt(
    {
      prepare: () => chain(200).compile({ checkpointer: SqliteSaver.fromConnString(join(dir, `lg${n++}.db`)) }),
      run: (graph) => invoke(graph, { configurable: { thread_id: 't' } }),
    },
    { units: 200, ...reps(p, 10, 2) },
  ).finally(() => rmSync(dir, { recursive: true, force: true }));
}

/** Times one scenario on LangGraph; graphs are compiled before timing. */
export function measureLanggraph(p, scenario) {
  switch (scenario) {
    case 'S1': {
      const graph = chain(200).compile();
      return timeIt({ run: () => invoke(graph) }, { units: 200, ...reps(p, 20, 3) });
    }
    case 'S2': {
      const graph = fan(1000);
      const run = async () => {
        const r = await invoke(graph);
        if (r.done !== 1000) throw new Error(`bench: LangGraph fan-out joined ${r.done} branches`);
      };
      return timeIt({ run }, { units: 1000, ...reps(p, 10, 2) });
    }
    case 'S3': {
      const graph = loop(1000);
      const run = async () => {
        const r = await invoke(graph);
        if (r.i !== 1000) throw new Error(`bench: LangGraph loop ran ${r.i} iterations`);
      };
      return timeIt({ run }, { units: 1000, ...reps(p, 10, 2) });
    }
    case 'S4':
      return chainSqlite(p);
    case 'S4-memory':
      return timeIt(
        { prepare: () => chain(200).compile({ checkpointer: new MemorySaver() }), run: (g) => invoke(g, { configurable: { thread_id: 't' } }) },
        { units: 200, ...reps(p, 10, 2) },
      );
  }
  throw new Error(`bench: no LangGraph scenario ${scenario}`);
}
