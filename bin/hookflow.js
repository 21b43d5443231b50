#!/usr/bin/env node
// The CLI entry. `npm run build` makes dist/hookflow-cli.mjs, a one-file bundle that starts faster;
// when it is missing or older than the compiled sources (a `tsc`-only rebuild), the unbundled
// dist/cli/main.js is used so a stale bundle never runs.
import { statSync } from 'node:fs';

const bundle = new URL('../dist/hookflow-cli.mjs', import.meta.url);
const plain = new URL('../dist/cli/main.js', import.meta.url);
const mtime = (u) => {
  try {
    return statSync(u).mtimeMs;
  } catch {
    return -1; // missing
  }
};
const { main } = await import(mtime(bundle) >= mtime(plain) ? bundle.href : plain.href);

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`hookflow: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 70;
  },
);
