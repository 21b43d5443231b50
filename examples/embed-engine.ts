/**
 * Embedding hookflow: run a YAML workflow from code on a SQLite store, watch its events, read the
 * journal afterwards.
 *
 *   npx tsx examples/embed-engine.ts
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createEngine, SqliteStore } from '../src/index.js';

export async function main(log: (line: string) => void = console.log): Promise<unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'hookflow-example-'));
  const store = SqliteStore.open(join(dir, 'hookflow.db'));
  const engine = createEngine({ store });
  const off = engine.bus.subscribe('step.completed', (e) => log(`completed ${(e.data as { path: string }).path}`));
  try {
    const result = await engine.run(join(import.meta.dirname, '..', 'workflows', 'hello.yaml'), { name: 'Ada' });
    await engine.bus.drain();
    log(`run ${result.runId}: ${result.status} ${JSON.stringify(result.output)}`);
    const steps = await store.getSteps(result.runId);
    log(`journal holds ${steps.length} step rows and ${(await store.getEvents(result.runId)).length} events`);
    return result.output;
  } finally {
    off();
    await engine.close();
    store.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
