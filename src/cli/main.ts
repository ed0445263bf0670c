import { Command, CommanderError } from 'commander';
import { registerAdminKeys } from './admin-keys.js';
import { registerCheckConfig } from './check-config.js';
import { registerHashKey } from './hash-key.js';
import { registerLogin } from './login.js';
import { registerStart } from './start.js';
import { registerTokens } from './tokens.js';
import { registerWhoami } from './whoami.js';

/** Builds the `gatehouse` command tree. Each command sets process.exitCode or resolves with one. */
export function createProgram(): Command {
  const program = new Command('gatehouse')
    .description('Gatehouse: an authorizing reverse proxy for deployed API services')
    .showHelpAfterError()
    .exitOverride();
  registerStart(program);
  registerCheckConfig(program);
  registerHashKey(program);
  registerAdminKeys(program);
  registerLogin(program);
  registerTokens(program);
  registerWhoami(program);
  return program;
}

/** Runs the CLI with argv as given to Node; resolves with the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    console.error(err instanceof Error ? err.message : String(err));
    return 1;
  }
}
