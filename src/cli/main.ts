/** The `gatehouse` command line: the command tree and its entry point (bin/gatehouse.js, scripts/gatehouse-dev.ts). */
import { Command, CommanderError } from 'commander';
import { registerLogin } from './login.js';
import { registerTokens } from './tokens.js';
import { registerWhoami } from './whoami.js';

/** Commands that only talk to a Gatehouse over HTTP: they run without loading the server's code. */
const CLIENT_COMMANDS: ReadonlySet<string> = new Set(['login', 'logout', 'tokens', 'whoami']);

/**
 * Builds the `gatehouse` command tree. Each command sets process.exitCode or resolves with one.
 * `clientOnly` leaves out the server commands (and the import of the whole server they need).
 */
export async function createProgram(clientOnly = false): Promise<Command> {
  const program = new Command('gatehouse')
    .description('Gatehouse: an authorizing reverse proxy for deployed API services')
    .showHelpAfterError()
    .exitOverride();
  if (!clientOnly) {
    const [{ registerStart }, { registerCheckConfig }, { registerHashKey }, { registerAdminKeys }] =
      await Promise.all([
        import('./start.js'),
        import('./check-config.js'),
        import('./hash-key.js'),
        import('./admin-keys.js'),
      ]);
    registerStart(program);
    registerCheckConfig(program);
    registerHashKey(program);
    registerAdminKeys(program);
  }
  registerLogin(program);
  registerTokens(program);
  registerWhoami(program);
  return program;
}

/** Runs the CLI with argv as given to Node; resolves with the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const command = argv[2];
  const program = await createProgram(command !== undefined && CLIENT_COMMANDS.has(command));
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    console.error(err instanceof Error ? err.message : String(err));
    return 1;
  }
}
