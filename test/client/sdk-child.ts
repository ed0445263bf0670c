/**
 * A separate process using the SDK (for the token-sharing tests): waits for "go" on
 * stdin so that all children start together, calls /api/v1/users/me, prints one JSON
 * line with the user name and a digest of the JWT it used (never the JWT itself).
 * Credentials come from the environment; argv[2] `no-token-info` keeps tokens in memory.
 */
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { GatehouseClient } from '../../src/client/index.js';

const client = new GatehouseClient(process.argv[2] === 'no-token-info' ? { tokenInfoPath: false } : {});
console.log('ready');
await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once('line', () => resolve()));
try {
  const me = await client.me();
  const jwt = await client.auth.getToken();
  console.log(JSON.stringify({ username: me.username, jwt: createHash('sha256').update(jwt).digest('hex') }));
} catch (err) {
  console.log(JSON.stringify({ error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }));
  process.exitCode = 1;
} finally {
  await client.close();
}
