/**
 * `gatehouse tokens create | list | create-personal | delete`. `create` prints the token
 * answer as JSON (`| jq -r .jwt`) from a password grant (`--user`), a refresh token
 * (`--refresh-token`, `-` reads it from stdin) or the saved login; with the saved login and
 * `--issue-rt` the rotated refresh token is also written back to the file, since the old
 * one stops working. The personal-token commands use the saved login (or the environment).
 */
import type { Command } from 'commander';
import { Auth } from '../client/auth.js';
import { GatehouseClient } from '../client/client.js';
import { cliConfigPath, readSavedLogin } from '../client/cli-config.js';
import { retryPolicy } from '../client/retry.js';
import { passwordGrant, refreshGrant } from '../client/token-api.js';
import { Transport } from '../client/transport.js';
import {
  addClientOptions,
  authOptions,
  clientAction,
  printFields,
  printJson,
  printTable,
  warnIfPlainHttp,
  type ClientFlags,
} from './client-options.js';
import { formatInstant, parseDurationSec } from './durations.js';
import { promptPassword, readStdin } from './prompt.js';

interface CreateFlags extends ClientFlags {
  readonly user?: string;
  readonly passwordStdin?: boolean;
  readonly refreshToken?: string;
  readonly issueRt?: boolean;
  readonly rtLifetime?: string;
  readonly rtUnusedLife?: string;
  readonly clientId?: string;
}

function duration(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const seconds = parseDurationSec(text);
  if (seconds === undefined) throw new Error(`${flag} takes a duration such as 30d, 12h or 3600`);
  return seconds;
}

/** The URL and TLS settings for a command given explicit credentials. */
async function target(flags: ClientFlags): Promise<{ url: string; transport: Transport }> {
  const saved = await readSavedLogin(cliConfigPath(flags.configfile)).catch(() => undefined);
  const url = flags.url ?? (process.env.GATEHOUSE_URL || undefined) ?? saved?.url;
  if (!url) throw new Error('no Gatehouse URL: give --url, set GATEHOUSE_URL, or log in');
  warnIfPlainHttp(url);
  const explicit =
    flags.cacert !== undefined || flags.nosslverify !== undefined || flags.certFolder !== undefined;
  const tls = explicit ? flags : url === saved?.url ? saved : {};
  return {
    url,
    transport: new Transport(
      { cacert: tls.cacert, nosslverify: tls.nosslverify, certFolder: tls.certFolder },
      retryPolicy(undefined),
    ),
  };
}

async function createToken(flags: CreateFlags): Promise<void> {
  if (flags.user !== undefined && flags.refreshToken !== undefined)
    throw new Error('--user and --refresh-token are alternatives: give one');
  const lifetime = duration(flags.rtLifetime, '--rt-lifetime');
  const unusedLife = duration(flags.rtUnusedLife, '--rt-unused-life');
  if (flags.user === undefined && (lifetime !== undefined || unusedLife !== undefined))
    throw new Error('--rt-lifetime and --rt-unused-life start a new login: they need --user');
  if (flags.passwordStdin && flags.user === undefined) throw new Error('--password-stdin goes with --user');
  if (flags.user !== undefined) {
    const password = flags.passwordStdin ? await readStdin('password') : await promptPassword();
    const { url, transport } = await target(flags);
    try {
      printJson(
        await passwordGrant(transport, url, {
          username: flags.user,
          password,
          clientId: flags.clientId,
          issueRefreshToken: flags.issueRt === true,
          refreshTokenLifetime: lifetime,
          refreshTokenUnusedLife: unusedLife,
        }),
      );
    } finally {
      await transport.close();
    }
    return;
  }
  if (flags.refreshToken !== undefined) {
    if (flags.refreshToken !== '-')
      console.error(
        'gatehouse: warning: a refresh token on the command line is visible to other users (ps) and kept in shell history: use --refresh-token - to read it from stdin',
      );
    const refreshToken = flags.refreshToken === '-' ? await readStdin('refresh token') : flags.refreshToken;
    const { url, transport } = await target(flags);
    try {
      printJson(
        await refreshGrant(transport, url, refreshToken, {
          rotate: flags.issueRt === true,
          clientId: flags.clientId,
        }),
      );
    } finally {
      await transport.close();
    }
    return;
  }
  if (flags.clientId !== undefined) throw new Error('--client-id goes with --user or --refresh-token');
  const auth = new Auth(authOptions(flags));
  try {
    printJson(await auth.issue({ rotate: flags.issueRt === true }));
  } finally {
    await auth.close();
  }
}

/** `2030-01-31`, `2030-01-31T12:00:00Z` or a duration from now (`90d`). */
function expiry(text: string): string {
  const relative = parseDurationSec(text);
  if (relative !== undefined) return new Date(Date.now() + relative * 1000).toISOString();
  const date = /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T23:59:59`) : new Date(text);
  if (Number.isNaN(date.getTime()))
    throw new Error('--expires takes a date (2030-01-31), a date-time or a duration (90d)');
  return date.toISOString();
}

async function withClient(
  flags: ClientFlags,
  work: (client: GatehouseClient) => Promise<void>,
): Promise<void> {
  const client = new GatehouseClient(authOptions(flags));
  try {
    await work(client);
  } finally {
    await client.close();
  }
}

export function registerTokens(program: Command): void {
  const tokens = program.command('tokens').description('Gatehouse tokens: JWTs and personal API tokens');

  addClientOptions(
    tokens
      .command('create')
      .description('print a token answer as JSON (from --user, --refresh-token, or the saved login)')
      .option('--user <name>', 'password grant for this user (password at a prompt, or --password-stdin)')
      .option('--password-stdin', 'read the password from stdin')
      .option(
        '--refresh-token <token>',
        'refresh-token grant with this token (- reads it from stdin: prefer it, a command line is visible in ps)',
      )
      .option('--issue-rt', 'also issue a refresh token (with --refresh-token or the saved login: rotate it)')
      .option('--rt-lifetime <duration>', 'refresh-token lifetime for --user, e.g. 30d')
      .option('--rt-unused-life <duration>', 'refresh-token inactivity timeout for --user, e.g. 7d')
      .option('--client-id <id>', 'client id of the refresh token'),
  ).action(clientAction(createToken));

  addClientOptions(tokens.command('list').description('list your personal API tokens')).action(
    clientAction(async (flags: ClientFlags) =>
      withClient(flags, async (client) => {
        const list = await client.listTokens();
        if (flags.output === 'json') return printJson(list);
        if (list.length === 0) return console.log('no personal tokens');
        printTable(
          ['ID', 'NAME', 'PREFIX', 'SCOPES', 'CREATED', 'EXPIRES', 'LAST USED'],
          list.map((t) => [
            t.id,
            t.name,
            t.prefix,
            t.scopes?.join(' ') ?? '(all of yours)',
            t.createdAt,
            t.expiresAt,
            t.lastUsedAt ?? 'never',
          ]),
        );
      }),
    ),
  );

  addClientOptions(
    tokens
      .command('create-personal')
      .description('create a personal API token (printed once)')
      .requiredOption('--name <name>', 'a name to recognise it by')
      .requiredOption('--expires <date>', 'expiry: 2030-01-31, an ISO date-time, or a duration such as 90d')
      .option('--scopes <scopes...>', 'fewer scopes than yours (space- or comma-separated)'),
  ).action(
    clientAction(async (flags: ClientFlags & { name: string; expires: string; scopes?: string[] }) =>
      withClient(flags, async (client) => {
        const scopes = flags.scopes?.flatMap((s) => s.split(/[\s,]+/)).filter(Boolean);
        const created = await client.createPersonalToken({
          name: flags.name,
          expiresAt: expiry(flags.expires),
          ...(scopes === undefined ? {} : { scopes }),
        });
        if (flags.output === 'json') return printJson(created);
        printFields([
          ['id', created.id],
          ['name', created.name],
          ['scopes', created.scopes?.join(' ') ?? '(all of yours)'],
          ['expires', formatInstant(created.expiresAt)],
          ['token', created.token],
        ]);
        console.log('(the token is shown only now)');
      }),
    ),
  );

  addClientOptions(
    tokens
      .command('delete')
      .description('delete a personal API token (irreversible)')
      .argument('<id>', 'token id'),
  ).action(
    clientAction(async (id: string, flags: ClientFlags) =>
      withClient(flags, async (client) => {
        await client.deleteToken(id);
        if (flags.output === 'json') printJson({ deleted: id });
        else console.log(`deleted token ${id}`);
      }),
    ),
  );
}
