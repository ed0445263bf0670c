/**
 * What the client commands (login, logout, tokens, whoami) share: the options `--url`,
 * `--configfile`, `--output json|table` and the TLS ones; SDK options built from them;
 * output; and one-line errors on stderr with a non-zero exit (the SDK's messages never
 * contain a token, and neither do these).
 */
import { Option, type Command } from 'commander';
import { AuthenticationError, GatehouseError } from '../client/errors.js';
import type { AuthOptions } from '../client/options.js';
import { PromptError } from './prompt.js';

export interface ClientFlags {
  readonly url?: string;
  readonly configfile?: string;
  readonly output: 'json' | 'table';
  readonly cacert?: string;
  readonly nosslverify?: boolean;
  readonly certFolder?: string;
}

export function addClientOptions(command: Command): Command {
  return command
    .option('--url <url>', 'Gatehouse URL (default: the saved login, then $GATEHOUSE_URL)')
    .option('--configfile <file>', 'saved login (default: $GATEHOUSE_CONFIG, then ~/.gatehouse/config.yaml)')
    .addOption(new Option('--output <format>', 'output format').choices(['json', 'table']).default('table'))
    .option('--cacert <file>', 'PEM file of CA certificates to trust')
    .option('--nosslverify', 'do not verify the server certificate (development only)')
    .option('--cert-folder <dir>', 'folder with ca.crt, client.crt, client.key for mutual TLS');
}

/** SDK options for a command that uses the saved login (or the environment). */
export function authOptions(flags: ClientFlags): AuthOptions {
  return {
    ...(flags.url === undefined ? {} : { url: flags.url }),
    ...(flags.configfile === undefined ? {} : { configFile: flags.configfile }),
    ...(flags.cacert === undefined ? {} : { cacert: flags.cacert }),
    ...(flags.nosslverify === undefined ? {} : { nosslverify: flags.nosslverify }),
    ...(flags.certFolder === undefined ? {} : { certFolder: flags.certFolder }),
  };
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

/** Aligned `key: value` lines. */
export function printFields(fields: readonly (readonly [string, string])[]): void {
  const width = Math.max(...fields.map(([k]) => k.length)) + 1;
  for (const [key, value] of fields) console.log(`${`${key}:`.padEnd(width)} ${value}`);
}

/** A tab-separated table with a header. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  console.log(header.join('\t'));
  for (const row of rows) console.log(row.join('\t'));
}

const LOOPBACK = /^(localhost|.*\.localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * A warning on stderr when a password or refresh token is about to be sent over plain
 * HTTP to a host other than this machine's loopback (the admin listener's default,
 * `http://127.0.0.1:9090`, is fine): anyone on the path reads it.
 */
export function warnIfPlainHttp(url: string | undefined): void {
  if (url === undefined) return;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return;
  }
  if (parsed.protocol === 'http:' && !LOOPBACK.test(parsed.hostname))
    console.error(
      `gatehouse: warning: ${parsed.origin} is plain HTTP: the credentials cross the network unencrypted (use https://)`,
    );
}

/** One line for stderr. */
export function describeError(err: unknown): string {
  if (err instanceof AuthenticationError)
    return `not logged in or the login has expired or been revoked: ${err.message} (run \`gatehouse login\`)`;
  if (err instanceof GatehouseError)
    return err.requestId ? `${err.message} (${err.error}, request ${err.requestId})` : err.message;
  if (err instanceof PromptError) return err.message;
  if (err instanceof Error) return err.message.split('\n')[0] ?? 'failed';
  return String(err);
}

/** Wraps an action: an error becomes one line on stderr and exit code 1. */
export function clientAction<A extends unknown[]>(
  action: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (err) {
      console.error(`gatehouse: ${describeError(err)}`);
      process.exitCode = 1;
    }
  };
}
