/**
 * Regenerates definitions/schema/workflow.schema.json from the zod schemas of the DSL.
 * Run: npx tsx scripts/gen-schema.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { workflowJsonSchemaText } from '../src/dsl/json-schema.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'definitions', 'schema', 'workflow.schema.json');
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, workflowJsonSchemaText());
process.stdout.write(`wrote ${path.relative(root, out)}\n`);
