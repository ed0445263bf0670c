/**
 * `gatehouse admin-key-create`, `admin-keys-list`, `admin-key-delete`: admin API keys,
 * managed on the node against the configured store (no running server needed). A key
 * is printed once, at creation; the store keeps only its SHA-256.
 */
import type { Command } from 'commander';
import { systemClock } from '../clock.js';
import { ConfigError } from '../config/issues.js';
import { loadConfigFile } from '../plan/validate.js';
import {
  auditAdminKeyList,
  createAdminKey,
  deleteAdminKey,
  listAdminKeys,
} from '../control/repository/admin-keys.js';
import { createStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { DEFAULT_CONFIG_PATH } from './defaults.js';

async function withStore(configPath: string, run: (store: Store) => Promise<void>): Promise<void> {
  let config;
  try {
    ({ config } = await loadConfigFile(configPath));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exitCode = 1;
    return;
  }
  const store = await createStore(config.store, { clock: systemClock });
  try {
    await store.health();
    await run(store);
  } finally {
    await store.close();
  }
}

const iso = (ms: number | undefined): string => (ms === undefined ? '-' : new Date(ms).toISOString());

export function registerAdminKeys(program: Command): void {
  program
    .command('admin-key-create')
    .description('create an admin API key (full rights on the admin API); the key is printed once')
    .option('-l, --label <label>', 'a label to recognise the key by')
    .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG_PATH)
    .option('--json', 'print JSON')
    .action(async (options: { label?: string; config: string; json?: boolean }) => {
      if (options.label !== undefined && options.label.length > 200) {
        console.error('the label is at most 200 characters');
        process.exitCode = 2;
        return;
      }
      await withStore(options.config, async (store) => {
        const { record, key } = await createAdminKey(store, systemClock, options.label);
        if (options.json)
          console.log(
            JSON.stringify({
              id: record.id,
              label: record.label ?? null,
              key,
              createdAt: iso(record.createdAt),
            }),
          );
        else
          console.log(
            `id:    ${record.id}\nlabel: ${record.label ?? '-'}\nkey:   ${key}\n(the key is shown only now; the store keeps only its hash)`,
          );
      });
    });

  program
    .command('admin-keys-list')
    .description('list admin API keys: id, label, creation, last use (never the key)')
    .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG_PATH)
    .option('--json', 'print JSON')
    .action(async (options: { config: string; json?: boolean }) => {
      await withStore(options.config, async (store) => {
        const keys = await listAdminKeys(store);
        await auditAdminKeyList(store, keys.length);
        const rows = keys.map((k) => ({
          id: k.id,
          label: k.label ?? null,
          prefix: k.prefix,
          createdAt: iso(k.createdAt),
          lastUsedAt: k.lastUsedAt === undefined ? null : iso(k.lastUsedAt),
        }));
        if (options.json) {
          console.log(JSON.stringify(rows));
          return;
        }
        if (rows.length === 0) {
          console.log('no admin keys');
          return;
        }
        console.log(['ID', 'LABEL', 'PREFIX', 'CREATED', 'LAST USED'].join('\t'));
        for (const r of rows)
          console.log([r.id, r.label ?? '-', r.prefix, r.createdAt, r.lastUsedAt ?? '-'].join('\t'));
      });
    });

  program
    .command('admin-key-delete')
    .description('delete an admin API key, given the key itself or its id')
    .argument('<keyOrId>', 'the key (gha_...) or its id (ak-...)')
    .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG_PATH)
    .action(async (keyOrId: string, options: { config: string }) => {
      await withStore(options.config, async (store) => {
        const deleted = await deleteAdminKey(store, keyOrId);
        if (!deleted) {
          console.error('no such admin key');
          process.exitCode = 1;
          return;
        }
        console.log(`deleted admin key ${deleted.id}${deleted.label ? ` (${deleted.label})` : ''}`);
      });
    });
}
