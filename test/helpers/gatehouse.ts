import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { stringify } from 'yaml';
import { Gatehouse } from '../../src/gatehouse.js';
import { createLogger, type Logger } from '../../src/observability/log.js';
import type { Clock } from '../../src/clock.js';

export type ConfigObject = Record<string, unknown>;

/** Log lines a test can inspect (e.g. to prove a secret never appears). */
export class CapturedLog {
  readonly lines: Record<string, unknown>[] = [];
  readonly raw: string[] = [];
  readonly stream = new Writable({
    write: (chunk: Buffer, _encoding, callback) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue;
        this.raw.push(line);
        this.lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  text(): string {
    return this.raw.join('\n');
  }
}

export interface TestGatehouse {
  readonly gatehouse: Gatehouse;
  readonly url: string;
  readonly adminUrl: string;
  readonly dir: string;
  readonly configPath: string;
  readonly log: CapturedLog;
  /** Rewrites the config file (ports stay 0 → the running listeners are kept). */
  writeConfig(config: ConfigObject): void;
  stop(): Promise<void>;
}

/** Fills in listener ports 0, no file watching, no failed-credential throttling and quiet logs unless the test says otherwise. */
export function withTestDefaults(config: ConfigObject): ConfigObject {
  const server = (config.server ?? {}) as Record<string, Record<string, unknown> | undefined>;
  return {
    ...config,
    server: {
      ...server,
      // Failed-credential throttling (on in production) would turn the many deliberate 401s
      // of the auth tests, all from 127.0.0.1, into 429s; test/policy/ sets it explicitly.
      dataPlane: { host: '127.0.0.1', port: 0, failedCredentials: { enabled: false }, ...server.dataPlane },
      admin: { host: '127.0.0.1', port: 0, ...server.admin },
      reload: { watch: false, ...server.reload },
      shutdown: { drainTimeoutMs: 2000, ...server.shutdown },
    },
    logging: { level: 'info', accessLog: true, ...(config.logging as object | undefined) },
  };
}

export interface StartOptions {
  readonly env?: Record<string, string | undefined>;
  readonly clock?: Clock;
  /** Files to place beside the config (secrets, keys). */
  readonly files?: Record<string, string>;
}

export async function startGatehouse(
  config: ConfigObject,
  options: StartOptions = {},
): Promise<TestGatehouse> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
  const configPath = join(dir, 'gatehouse.yaml');
  for (const [name, content] of Object.entries(options.files ?? {})) writeFileSync(join(dir, name), content);
  const write = (c: ConfigObject): void => writeFileSync(configPath, stringify(withTestDefaults(c)));
  write(config);
  const log = new CapturedLog();
  const logger: Logger = createLogger('info', log.stream);
  const gatehouse = await Gatehouse.start({
    configPath,
    logger,
    defaultMetrics: false,
    ...(options.env ? { env: options.env } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return {
    gatehouse,
    url: gatehouse.dataPlaneUrl,
    adminUrl: gatehouse.adminUrl,
    dir,
    configPath,
    log,
    writeConfig: write,
    stop: async () => {
      await gatehouse.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The smallest config with one public deployment per given upstream URL set. */
export function publicDeployment(
  nodes: readonly string[],
  overrides: { deployment?: ConfigObject; infrastructure?: ConfigObject; service?: string } = {},
): ConfigObject {
  const service = overrides.service ?? 'svc';
  return {
    infrastructures: [{ id: 'infra', stage: 'dev', nodes, ...overrides.infrastructure }],
    services: [{ id: service, versions: [{ id: 'v1', auth: { methods: ['public'] } }] }],
    deployments: [{ id: 'dep', service, version: 'v1', infrastructure: 'infra', ...overrides.deployment }],
  };
}
