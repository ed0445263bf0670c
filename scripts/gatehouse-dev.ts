// Runs the CLI from TypeScript sources (tests and development; no build needed).
import { runCli } from '../src/cli/main.js';
process.exitCode = await runCli(process.argv);
