/**
 * `gatehouse whoami`: `/api/v1/users/me` with the saved login (or the environment):
 * user name, groups, scopes, the token's expiry and the login's. Exit code 1 with a
 * clear message when the login has expired or been revoked.
 */
import type { Command } from 'commander';
import { GatehouseClient } from '../client/client.js';
import {
  addClientOptions,
  authOptions,
  clientAction,
  printFields,
  printJson,
  type ClientFlags,
} from './client-options.js';
import { formatInstant } from './durations.js';

export function registerWhoami(program: Command): void {
  addClientOptions(
    program.command('whoami').description('show who the saved login (or $GATEHOUSE_TOKEN) is'),
  ).action(
    clientAction(async (flags: ClientFlags) => {
      const client = new GatehouseClient(authOptions(flags));
      try {
        const me = await client.me();
        const resolved = await client.auth.resolved();
        const login =
          resolved.credential.kind === 'refresh' && resolved.credential.from === 'saved-login'
            ? resolved.savedLogin?.refreshExpiresAt
            : undefined;
        if (flags.output === 'json') {
          printJson({ ...me, url: resolved.url, loginExpiresAt: login ?? null });
          return;
        }
        printFields([
          ['url', resolved.url],
          ['username', me.username],
          ['groups', me.groups.join(', ') || '-'],
          ['scopes', me.scopes.join(' ') || '-'],
          ['token', `${me.tokenType}${me.expiresAt ? `, expires ${formatInstant(me.expiresAt)}` : ''}`],
          ...(login ? ([['login', `expires ${formatInstant(login)}`]] as const) : []),
        ]);
      } finally {
        await client.close();
      }
    }),
  );
}
