/**
 * The Helm chart (helm/gatehouse) as the tests see it without a `helm` binary: values
 * loading and merging, and mirrors of the few template functions whose output the
 * tests run: `gatehouse.fullname`, `gatehouse.config` and the listener ports
 * (`gatehouse.dataPlanePort`, `gatehouse.adminPort`, `gatehouse.decisionsPort`) in
 * _helpers.tpl, the /etc/gatehouse layout of the projected volume
 * (`gatehouse.volumes`, _pod.tpl), the ServiceMonitor's scrape endpoint
 * (servicemonitor.yaml with `gatehouse.serviceMonitorTlsConfig`) and the chart's
 * refusals (`gatehouse.validate`).
 * Where helm is installed, check-rendered.ts compares these mirrors with
 * `helm template`'s output.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CHART_DIR = join(ROOT, 'helm/gatehouse');
export const EXAMPLES_DIR = join(ROOT, 'examples/helm');

export type Values = Record<string, unknown>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Helm's coalescing of a values file over the defaults: maps merge, anything else replaces, null deletes. */
export function mergeValues(base: Values, override: Values): Values {
  const out: Values = structuredClone(base);
  for (const [key, value] of Object.entries(override)) {
    if (value === null) delete out[key];
    else if (isObject(value) && isObject(out[key])) out[key] = mergeValues(out[key], value);
    else out[key] = structuredClone(value);
  }
  return out;
}

export function readYamlFile(path: string): Values {
  const parsed: unknown = parse(readFileSync(path, 'utf8'));
  if (!isObject(parsed)) throw new Error(`${path} is not a YAML mapping`);
  return parsed;
}

export function defaultValues(): Values {
  return readYamlFile(join(CHART_DIR, 'values.yaml'));
}

/** The example values files (examples/helm/*.yaml), by file name. */
export function exampleValueFiles(): string[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
}

/** values.yaml with one example file (or an object) merged over it, as `helm -f` does. */
export function valuesWith(override: string | Values): Values {
  const layer = typeof override === 'string' ? readYamlFile(join(EXAMPLES_DIR, override)) : override;
  return mergeValues(defaultValues(), layer);
}

/** Reads a nested value: at(values, 'redis', 'auth', 'existingSecret'). */
export function at(values: unknown, ...path: string[]): unknown {
  let current: unknown = values;
  for (const key of path) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

const CHART_NAME = 'gatehouse';

function trimName(name: string): string {
  return name.slice(0, 63).replace(/-+$/, '');
}

/** Mirror of gatehouse.fullname. */
export function fullname(values: Values, release: string): string {
  const override = at(values, 'fullnameOverride');
  if (typeof override === 'string' && override !== '') return trimName(override);
  const nameOverride = at(values, 'nameOverride');
  const name = typeof nameOverride === 'string' && nameOverride !== '' ? nameOverride : CHART_NAME;
  return trimName(release.includes(name) ? release : `${release}-${name}`);
}

/** Mirror of gatehouse.storeType. */
export function storeType(values: Values): string {
  if (at(values, 'redis', 'enabled') === true) return 'redis';
  const type = at(values, 'config', 'store', 'type');
  return typeof type === 'string' && type !== '' ? type : 'sqlite';
}

/** Mirror of gatehouse.config: the Gatehouse configuration the ConfigMap holds. */
export function renderConfig(values: Values, release: string): Record<string, unknown> {
  const config = structuredClone((at(values, 'config') ?? {}) as Record<string, unknown>);
  if (at(values, 'redis', 'enabled') === true) {
    const store = (config.store ?? {}) as Record<string, unknown>;
    const redis = (store.redis ?? {}) as Record<string, unknown>;
    store.type = 'redis';
    if (!redis.url) redis.url = `redis://${trimName(`${fullname(values, release)}-redis`)}:6379/0`;
    store.redis = redis;
    config.store = store;
  }
  if (at(values, 'redis', 'auth', 'existingSecret') && storeType(values) === 'redis') {
    const store = config.store as Record<string, unknown>;
    const redis = (store.redis ?? {}) as Record<string, unknown>;
    if (!('password' in redis)) redis.password = { env: 'GATEHOUSE_REDIS_PASSWORD' };
    store.redis = redis;
  }
  wireTls(values, config);
  return config;
}

/** Mirror of the TLS part of gatehouse.config: mounted cert folders named in the config. */
function wireTls(values: Values, config: Record<string, unknown>): void {
  const listeners = [
    ['dataPlane', 'data-plane'],
    ['admin', 'admin'],
  ] as const;
  if (listeners.some(([listener]) => at(values, 'tls', listener, 'enabled') === true)) {
    const server = (config.server ?? {}) as Record<string, Record<string, unknown> | undefined>;
    for (const [listener, folder] of listeners) {
      if (at(values, 'tls', listener, 'enabled') !== true) continue;
      const block = server[listener] ?? {};
      const tls = (block.tls ?? {}) as Record<string, unknown>;
      if (!tls.certFolder && !tls.cert) tls.certFolder = `tls/${folder}`;
      const mode = at(values, 'tls', listener, 'clientCertificates');
      if (mode && !('clientCertificates' in tls)) tls.clientCertificates = mode;
      block.tls = tls;
      server[listener] = block;
    }
    config.server = server;
  }
  const infrastructures = (config.infrastructures ?? []) as Record<string, unknown>[];
  for (const upstream of (at(values, 'tls', 'upstreams') ?? []) as { infrastructure: string }[])
    for (const infra of infrastructures)
      if (infra.id === upstream.infrastructure && !('tls' in infra))
        infra.tls = { certFolder: `tls/upstreams/${upstream.infrastructure}` };
}

/** Mirror of gatehouse.probeScheme. */
export function probeScheme(values: Values): string {
  return at(values, 'tls', 'admin', 'enabled') === true ? 'HTTPS' : String(at(values, 'probes', 'scheme'));
}

/** Mirror of gatehouse.adminServiceName. */
export function adminServiceName(values: Values, release: string): string {
  return trimName(`${fullname(values, release)}-admin`);
}

/** Whether servicemonitor.yaml renders (its guard). */
function serviceMonitorRendered(values: Values): boolean {
  return (
    at(values, 'metrics', 'serviceMonitor', 'enabled') === true &&
    (at(values, 'mode') === 'standalone' || at(values, 'sidecar', 'apiNode', 'enabled') === true)
  );
}

/** A non-empty metrics.serviceMonitor.tlsConfig (Helm treats an empty map as unset). */
function userScrapeTlsConfig(values: Values): Record<string, unknown> | null {
  const tlsConfig = at(values, 'metrics', 'serviceMonitor', 'tlsConfig');
  return isObject(tlsConfig) && Object.keys(tlsConfig).length > 0 ? tlsConfig : null;
}

/** The chart mounts the admin certificate, so the ca.crt of its Secret is the default CA. */
function chartAdminCertificate(values: Values): string | null {
  const secretName = at(values, 'tls', 'admin', 'secretName');
  return at(values, 'tls', 'admin', 'enabled') === true && typeof secretName === 'string' && secretName !== ''
    ? secretName
    : null;
}

/** The ServiceMonitor's one endpoint, as far as the scheme and TLS go. */
export interface ScrapeEndpoint {
  readonly scheme: 'http' | 'https';
  readonly tlsConfig?: Record<string, unknown>;
}

/**
 * Mirror of servicemonitor.yaml's endpoint scheme and tlsConfig (with
 * gatehouse.serviceMonitorTlsConfig), or null when the ServiceMonitor is not rendered.
 * Over HTTPS: metrics.serviceMonitor.tlsConfig when given, else the admin Secret's
 * ca.crt and the admin Service's in-cluster name.
 */
export function serviceMonitorEndpoint(
  values: Values,
  release: string,
  namespace: string,
): ScrapeEndpoint | null {
  if (!serviceMonitorRendered(values)) return null;
  const scheme = probeScheme(values).toLowerCase() === 'https' ? 'https' : 'http';
  if (scheme === 'http') return { scheme };
  const user = userScrapeTlsConfig(values);
  if (user) return { scheme, tlsConfig: structuredClone(user) };
  const secretName = chartAdminCertificate(values);
  if (secretName === null) return { scheme };
  return {
    scheme,
    tlsConfig: {
      ca: { secret: { name: secretName, key: 'ca.crt' } },
      serverName: `${adminServiceName(values, release)}.${namespace}.svc`,
    },
  };
}

/** One file of the projected /etc/gatehouse volume and where it comes from. */
export interface ProjectedFile {
  readonly path: string;
  readonly secretName?: string;
  readonly key: string;
  readonly optional?: boolean;
}

interface TlsBlock {
  readonly enabled?: boolean;
  readonly secretName?: string;
  readonly clientCaSecretName?: string;
  readonly crlSecretName?: string;
}

function certFiles(folder: string, role: string, tls: TlsBlock): ProjectedFile[] {
  const secretName = tls.secretName ?? '';
  const files: ProjectedFile[] = [
    { path: `${folder}/${role}.crt`, secretName, key: 'tls.crt' },
    { path: `${folder}/${role}.key`, secretName, key: 'tls.key' },
    tls.clientCaSecretName
      ? { path: `${folder}/ca.crt`, secretName: tls.clientCaSecretName, key: 'ca.crt' }
      : { path: `${folder}/ca.crt`, secretName, key: 'ca.crt', optional: true },
  ];
  if (tls.crlSecretName)
    files.push({ path: `${folder}/crl.pem`, secretName: tls.crlSecretName, key: 'crl.pem' });
  return files;
}

/** Mirror of the gatehouse-config projected volume: every file under /etc/gatehouse but gatehouse.yaml. */
export function projectedSecretFiles(values: Values): ProjectedFile[] {
  const files: ProjectedFile[] = [];
  for (const entry of (at(values, 'secretFiles') ?? []) as {
    name: string;
    secretName: string;
    items: { key: string; path?: string }[];
  }[])
    for (const item of entry.items)
      files.push({
        path: `secrets/${entry.name}/${item.path ?? item.key}`,
        secretName: entry.secretName,
        key: item.key,
      });
  for (const [listener, folder] of [
    ['admin', 'admin'],
    ['dataPlane', 'data-plane'],
  ] as const) {
    const tls = (at(values, 'tls', listener) ?? {}) as TlsBlock;
    if (tls.enabled) files.push(...certFiles(`tls/${folder}`, 'server', tls));
  }
  for (const upstream of (at(values, 'tls', 'upstreams') ?? []) as {
    infrastructure: string;
    secretName: string;
  }[])
    files.push(
      ...certFiles(`tls/upstreams/${upstream.infrastructure}`, 'client', { secretName: upstream.secretName }),
    );
  return files;
}

function numberAt(values: Values, fallback: number, ...path: string[]): number {
  const value = at(values, ...path);
  return typeof value === 'number' ? value : fallback;
}

/** The loopback test of gatehouse.validate (admin and decision hosts). */
function isLoopback(host: string): boolean {
  return host.startsWith('127.') || host === 'localhost' || host === '::1';
}

/** Mirror of gatehouse.validate: the message of the first refusal, or null. */
export function chartRefusal(values: Values): string | null {
  const mode = at(values, 'mode');
  if (mode !== 'standalone' && mode !== 'sidecar') return `mode must be standalone or sidecar`;
  const store = storeType(values);
  const replicas = numberAt(values, 1, 'replicaCount');
  const autoscaling = at(values, 'autoscaling', 'enabled') === true;
  if (mode === 'standalone' && store !== 'redis' && (replicas > 1 || autoscaling))
    return `replicaCount ${replicas} / autoscaling.enabled ${String(autoscaling)} need the Redis store`;
  if (
    at(values, 'redis', 'enabled') === true &&
    !['everysec', 'always'].includes(String(at(values, 'redis', 'appendfsync')))
  )
    return 'redis.appendfsync must be everysec or always';
  const configuredHost = at(values, 'config', 'server', 'admin', 'host');
  const adminHost =
    typeof configuredHost === 'string' && configuredHost !== '' ? configuredHost : '127.0.0.1';
  if (isLoopback(adminHost))
    return `config.server.admin.host is ${adminHost}: the kubelet's probes and Prometheus cannot reach a loopback listener`;
  if (
    at(values, 'tls', 'admin', 'enabled') === true &&
    at(values, 'tls', 'admin', 'clientCertificates') === 'required'
  )
    return "tls.admin.clientCertificates: required would refuse the kubelet's probes";
  if (
    serviceMonitorRendered(values) &&
    probeScheme(values) === 'HTTPS' &&
    userScrapeTlsConfig(values) === null &&
    chartAdminCertificate(values) === null
  )
    return 'metrics.serviceMonitor.tlsConfig is needed: the admin listener serves HTTPS (probes.scheme HTTPS) with a certificate the chart does not mount (no tls.admin.enabled with tls.admin.secretName), so the ServiceMonitor has no CA to verify it and every scrape would fail';
  if (dataPlanePort(values) === adminPort(values))
    return 'config.server.dataPlane.port and config.server.admin.port must differ';
  const decisions = at(values, 'config', 'server', 'decisions');
  if (isObject(decisions)) {
    if (decisions.port === 0)
      return 'config.server.decisions.port 0 picks a free port at start, which no containerPort or Service can name';
    const port = decisionsPort(values);
    for (const [listener, other] of [
      ['dataPlane', dataPlanePort(values)],
      ['admin', adminPort(values)],
    ] as const)
      if (port === other)
        return `config.server.decisions.port (${port}) must differ from config.server.${listener}.port`;
    const host = typeof decisions.host === 'string' && decisions.host !== '' ? decisions.host : '127.0.0.1';
    if (isLoopback(host))
      return `config.server.decisions.host is ${host} (Gatehouse's default when the config gives none): the decisions Service and the ingress controllers cannot reach a loopback listener`;
  }
  const readinessDelayMs = numberAt(values, 0, 'config', 'server', 'shutdown', 'readinessDelayMs');
  const drainTimeoutMs = numberAt(values, 25_000, 'config', 'server', 'shutdown', 'drainTimeoutMs');
  const needed =
    numberAt(values, 0, 'preStopSleepSeconds') + Math.ceil((readinessDelayMs + drainTimeoutMs) / 1000);
  const grace = numberAt(values, 0, 'terminationGracePeriodSeconds');
  if (grace <= needed)
    return `terminationGracePeriodSeconds (${grace}) must exceed preStopSleepSeconds + readinessDelayMs + drainTimeoutMs (${needed} s)`;
  if (
    mode === 'sidecar' &&
    at(values, 'sidecar', 'apiNode', 'enabled') === true &&
    !at(values, 'sidecar', 'apiNode', 'image', 'repository')
  )
    return 'mode sidecar with sidecar.apiNode.enabled needs sidecar.apiNode.image.repository';
  if (at(values, 'redis', 'enabled') === true && !at(values, 'redis', 'auth', 'existingSecret'))
    return 'redis.enabled needs redis.auth.existingSecret';
  return null;
}

/** Mirror of gatehouse.dataPlanePort / gatehouse.adminPort: the container ports. */
export function dataPlanePort(values: Values): number {
  return numberAt(values, 8080, 'config', 'server', 'dataPlane', 'port');
}

export function adminPort(values: Values): number {
  return numberAt(values, 9090, 'config', 'server', 'admin', 'port');
}

/**
 * Mirror of gatehouse.decisionsPort: the forward-auth decision listener's port (the
 * schema's default 8081 when config.server.decisions gives none), or null when the
 * listener is not configured (no containerPort, Service or NetworkPolicy rule).
 */
export function decisionsPort(values: Values): number | null {
  if (!isObject(at(values, 'config', 'server', 'decisions'))) return null;
  const port = at(values, 'config', 'server', 'decisions', 'port');
  return typeof port === 'number' && port !== 0 ? port : 8081;
}
