#!/usr/bin/env node
// The `gatehouse` command runs the compiled CLI (npm ci builds it through `prepare`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
if (!existsSync(entry)) {
  console.error('gatehouse is not built yet: run `npm run build` in the project folder first.');
  process.exit(1);
}
const { runCli } = await import(entry);
process.exitCode = await runCli(process.argv);
