#!/usr/bin/env node
// The CLI entry: the bundled build (dist/hookflow-cli.mjs, made by `npm run build`).
import { main } from '../dist/hookflow-cli.mjs';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`hookflow: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 70;
  },
);
