/**
 * Which credential an `Auth` uses, in the order the Descartes Labs `Auth` documents:
 * explicit arguments, then the environment (`GATEHOUSE_URL`, `GATEHOUSE_TOKEN`,
 * `GATEHOUSE_CLIENT_ID` + `GATEHOUSE_REFRESH_TOKEN`, `GATEHOUSE_CONFIG`), then the CLI's
 * saved login. Two credentials at one level, half a credential, or a URL that differs
 * from the saved login's are errors that name the inputs.
 */
import { cliConfigPath, readSavedLogin, type SavedLogin } from './cli-config.js';
import { ConfigurationError } from './errors.js';
import type { AuthOptions } from './options.js';
import type { TlsSettings } from './tls.js';

export type Credential =
  /** A JWT or personal token used as is. */
  | { readonly kind: 'static'; readonly token: string; readonly from: string }
  | {
      readonly kind: 'refresh';
      readonly refreshToken: string;
      readonly clientId: string | undefined;
      /** Where a rotated token goes back to. */
      readonly from: 'arguments' | 'environment' | 'saved-login';
    }
  | {
      readonly kind: 'password';
      readonly username: string;
      readonly password: string;
      readonly clientId: string | undefined;
    };

export interface ResolvedCredentials {
  readonly url: string;
  readonly credential: Credential;
  readonly tls: TlsSettings;
  /** The CLI file consulted (the credential's home when `from` is `saved-login`). */
  readonly configPath: string;
  readonly savedLogin: SavedLogin | undefined;
}

function fromArguments(o: AuthOptions): Credential | undefined {
  const given = [
    o.token !== undefined ? 'token' : undefined,
    o.refreshToken !== undefined ? 'refreshToken' : undefined,
    o.username !== undefined || o.password !== undefined ? 'username/password' : undefined,
  ].filter((x): x is string => x !== undefined);
  if (given.length > 1)
    throw new ConfigurationError(`conflicting credentials given as arguments: ${given.join(' and ')}`);
  if (o.token !== undefined) {
    if (o.clientId !== undefined)
      throw new ConfigurationError('clientId goes with refreshToken or username/password, not with token');
    return { kind: 'static', token: o.token, from: 'the token argument' };
  }
  if (o.refreshToken !== undefined)
    return { kind: 'refresh', refreshToken: o.refreshToken, clientId: o.clientId, from: 'arguments' };
  if (o.username !== undefined || o.password !== undefined) {
    if (o.username === undefined || o.password === undefined)
      throw new ConfigurationError('username and password go together');
    return { kind: 'password', username: o.username, password: o.password, clientId: o.clientId };
  }
  if (o.clientId !== undefined)
    throw new ConfigurationError('clientId was given without refreshToken (or username and password)');
  return undefined;
}

function fromEnvironment(env: NodeJS.ProcessEnv): Credential | undefined {
  const token = env.GATEHOUSE_TOKEN || undefined;
  const refreshToken = env.GATEHOUSE_REFRESH_TOKEN || undefined;
  const clientId = env.GATEHOUSE_CLIENT_ID || undefined;
  if (token && refreshToken)
    throw new ConfigurationError('GATEHOUSE_TOKEN and GATEHOUSE_REFRESH_TOKEN are both set: unset one');
  if (token) {
    if (clientId) throw new ConfigurationError('GATEHOUSE_CLIENT_ID is set with GATEHOUSE_TOKEN: unset one');
    return { kind: 'static', token, from: 'GATEHOUSE_TOKEN' };
  }
  if (refreshToken && !clientId)
    throw new ConfigurationError('GATEHOUSE_REFRESH_TOKEN is set without GATEHOUSE_CLIENT_ID');
  if (clientId && !refreshToken)
    throw new ConfigurationError('GATEHOUSE_CLIENT_ID is set without GATEHOUSE_REFRESH_TOKEN');
  if (refreshToken) return { kind: 'refresh', refreshToken, clientId, from: 'environment' };
  return undefined;
}

const sameUrl = (a: string, b: string): boolean =>
  new URL(a).href.replace(/\/+$/, '') === new URL(b).href.replace(/\/+$/, '');

export async function resolveCredentials(options: AuthOptions): Promise<ResolvedCredentials> {
  const env = options.env ?? process.env;
  const configPath = cliConfigPath(options.configFile, env);
  const explicit = fromArguments(options) ?? fromEnvironment(env);
  const urlGiven = options.url ?? (env.GATEHOUSE_URL || undefined);
  // With explicit credentials the saved login only lends its URL and TLS settings: a broken file is ignored.
  const saved = explicit
    ? await readSavedLogin(configPath).catch(() => undefined)
    : await readSavedLogin(configPath);
  let credential = explicit;
  if (!credential) {
    if (!saved?.refreshToken)
      throw new ConfigurationError(
        `no credentials: pass token, refreshToken or username/password, set GATEHOUSE_TOKEN or GATEHOUSE_REFRESH_TOKEN, or run \`gatehouse login\` (no login saved in ${configPath})`,
      );
    if (urlGiven && saved.url && !sameUrl(urlGiven, saved.url))
      throw new ConfigurationError(
        `the login saved in ${configPath} is for ${saved.url}, but ${options.url ? 'the url argument' : 'GATEHOUSE_URL'} says ${urlGiven}`,
      );
    credential = {
      kind: 'refresh',
      refreshToken: saved.refreshToken,
      clientId: saved.clientId,
      from: 'saved-login',
    };
  }
  const url = urlGiven ?? saved?.url;
  if (!url)
    throw new ConfigurationError(
      `no Gatehouse URL: pass url, set GATEHOUSE_URL, or save one in ${configPath}`,
    );
  try {
    new URL(url);
  } catch {
    throw new ConfigurationError(`the Gatehouse URL is not a URL: ${url}`);
  }
  const savedApplies = saved !== undefined && (saved.url === undefined || sameUrl(saved.url, url));
  const explicitTls =
    options.cacert !== undefined || options.nosslverify !== undefined || options.certFolder !== undefined;
  const tls: TlsSettings = explicitTls
    ? { cacert: options.cacert, nosslverify: options.nosslverify, certFolder: options.certFolder }
    : savedApplies
      ? { cacert: saved.cacert, nosslverify: saved.nosslverify, certFolder: saved.certFolder }
      : {};
  return { url, credential, tls, configPath, savedLogin: saved };
}
