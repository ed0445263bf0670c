/**
 * `gatehouse login` and `gatehouse logout` (modelled on CipherTrust's `ksctl login`/
 * `logout`): the password is asked at a prompt without echo (or read from stdin with
 * `--password-stdin`), the refresh token is saved to the CLI's file and never printed.
 */
import type { Command } from 'commander';
import { cliConfigPath, readSavedLogin } from '../client/cli-config.js';
import { login, logout } from '../client/login.js';
import {
  addClientOptions,
  clientAction,
  printJson,
  warnIfPlainHttp,
  type ClientFlags,
} from './client-options.js';
import { formatDuration } from './durations.js';
import { promptPassword, readStdin } from './prompt.js';

interface LoginFlags extends ClientFlags {
  readonly user?: string;
  readonly days?: string;
  readonly hours?: string;
  readonly passwordStdin?: boolean;
}

const DEFAULT_DAYS = 30;

function count(text: string | undefined, flag: string): number {
  if (text === undefined) return 0;
  if (!/^\d+$/.test(text)) throw new Error(`${flag} takes a whole number`);
  return Number(text);
}

/** The login's lifetime from --days/--hours (default 30 days). */
function lifetimeSec(flags: LoginFlags): number {
  if (flags.days === undefined && flags.hours === undefined) return DEFAULT_DAYS * 86_400;
  const seconds = count(flags.days, '--days') * 86_400 + count(flags.hours, '--hours') * 3600;
  if (seconds <= 0) throw new Error('the login must last at least an hour');
  return seconds;
}

export function registerLogin(program: Command): void {
  addClientOptions(
    program
      .command('login')
      .description('log in: save a refresh token for this machine (the password is asked, never saved)')
      .option('--user <name>', 'user name (default: the saved login)')
      .option('--days <n>', `login lifetime in days (default ${DEFAULT_DAYS})`)
      .option('--hours <n>', 'login lifetime in hours (added to --days)')
      .option('--password-stdin', 'read the password from stdin (for scripts)'),
  ).action(
    clientAction(async (flags: LoginFlags) => {
      const lifetime = lifetimeSec(flags);
      const saved = await readSavedLogin(cliConfigPath(flags.configfile)).catch(() => undefined);
      warnIfPlainHttp(flags.url ?? saved?.url ?? (process.env.GATEHOUSE_URL || undefined));
      const password = flags.passwordStdin ? await readStdin('password') : await promptPassword();
      const result = await login({
        url: flags.url,
        username: flags.user,
        password,
        lifetimeSec: lifetime,
        configFile: flags.configfile,
        ...(flags.cacert === undefined ? {} : { cacert: flags.cacert }),
        ...(flags.nosslverify === undefined ? {} : { nosslverify: flags.nosslverify }),
        ...(flags.certFolder === undefined ? {} : { certFolder: flags.certFolder }),
      });
      if (flags.output === 'json') {
        printJson({
          url: result.url,
          username: result.username,
          clientId: result.clientId,
          expiresIn: result.expiresInSec ?? null,
          expiresAt: result.expiresAt ?? null,
          previousLogin: result.previous,
          configFile: result.configPath,
        });
        return;
      }
      console.log(`logged in to ${result.url} as ${result.username}`);
      if (result.previous === 'replaced' || result.previous === 'revoked')
        console.log('the previous login was revoked');
      if (result.previous === 'revoke_failed')
        console.error('gatehouse: warning: could not revoke the previous login on its server');
      if (result.expiresInSec !== undefined)
        console.log(`this login will expire in ${formatDuration(result.expiresInSec)}`);
    }),
  );

  addClientOptions(
    program.command('logout').description('revoke the saved login on the server and remove it from the file'),
  ).action(
    clientAction(async (flags: ClientFlags) => {
      const result = await logout({ configFile: flags.configfile });
      if (flags.output === 'json') printJson({ revoked: result.revoked, configFile: result.configPath });
      else console.log(result.revoked ? 'login revoked' : 'login removed (the server no longer knew it)');
    }),
  );
}
