/**
 * JSON Schema (draft 2020-12) of the workflow DSL, generated from the zod schemas so editors and
 * other tools can validate workflows. Written to definitions/schema/workflow.schema.json by
 * scripts/gen-schema.ts; a test fails when the committed file drifts.
 */
import { z } from 'zod';
import { buildDocumentSchema } from './schema.js';

/** The `$id` of the generated schema. */
export const WORKFLOW_SCHEMA_ID = 'https://hookflow.dev/schema/workflow.schema.json';

/** Generates the JSON Schema of a workflow file. */
export function workflowJsonSchema(): Record<string, unknown> {
  const { workflow } = buildDocumentSchema();
  const generated = z.toJSONSchema(workflow, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any', cycles: 'ref', reused: 'inline' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: WORKFLOW_SCHEMA_ID,
    title: 'hookflow workflow',
    description: 'A hookflow workflow file (DSL version 1). Generated from src/dsl/schema.ts by scripts/gen-schema.ts; do not edit.',
    ...rest,
  };
}

/** The file content: pretty JSON with a trailing newline. */
export function workflowJsonSchemaText(): string {
  return `${JSON.stringify(workflowJsonSchema(), null, 2)}\n`;
}
