import type { Command } from 'commander';
import { generateSecret, hashApiKey, SECRET_PREFIXES } from '../auth/api-key-hash.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/**
 * `gatehouse hash-key`: the `sha256:` hash to put in a config file's `apiKeys.keys[].hash`.
 * The key is read from standard input (so it stays out of shell history) unless given;
 * `--generate` makes a new 256-bit key and prints it once beside its hash.
 */
export function registerHashKey(program: Command): void {
  program
    .command('hash-key')
    .description('print the sha256 hash of an API key for the config file (key from stdin, or --generate)')
    .argument('[key]', 'the key (prefer stdin: keys on a command line end up in shell history)')
    .option('-g, --generate', 'generate a new random key and print it with its hash')
    .option('--json', 'print JSON')
    .action(async (given: string | undefined, options: { generate?: boolean; json?: boolean }) => {
      const key = options.generate ? generateSecret(SECRET_PREFIXES.apiKey) : (given ?? (await readStdin()));
      if (key === '') {
        console.error('no key given: pass it on stdin, as an argument, or use --generate');
        process.exitCode = 2;
        return;
      }
      if (!options.generate && key.length < 20)
        console.error(
          'warning: this key is short; keys should carry at least 128 random bits (use --generate)',
        );
      const hash = hashApiKey(key);
      if (options.json) console.log(JSON.stringify(options.generate ? { key, hash } : { hash }));
      else if (options.generate)
        console.log(
          `key:  ${key}\nhash: ${hash}\n(the key is shown only now; the config needs only the hash)`,
        );
      else console.log(hash);
    });
}
