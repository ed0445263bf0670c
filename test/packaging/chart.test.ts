/**
 * The Helm chart without helm: values.yaml and every example against
 * values.schema.json (ajv), the configuration each renders accepted by Gatehouse's
 * own loader, and the invariants that matter (probe paths served, ports from the
 * config, admin Service ClusterIP, the replica/SQLite refusal, shutdown timing, the
 * image's command, no template reading a value values.yaml lacks, the generated
 * README, the forward-auth decision listener's port, Service and refusals, the
 * ServiceMonitor's scheme and tlsConfig over an HTTPS admin listener). `helm lint`/`helm template` run in CI where helm is installed (.ci/run).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import {
  ServiceMonitor,
  type IServiceMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Ajv } from 'ajv';
import { stringify } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import { decisionsSchema } from '../../src/config/schema-policy.js';
import { validateConfigText } from '../../src/plan/validate.js';
import { makeCertificates } from '../client/tls-support.js';
import { send } from '../helpers/http.js';
import { startGatehouse } from '../helpers/gatehouse.js';
import {
  CHART_DIR,
  ROOT,
  adminPort,
  adminServiceName,
  at,
  chartRefusal,
  dataPlanePort,
  decisionsPort,
  defaultValues,
  exampleValueFiles,
  mergeValues,
  probeScheme,
  projectedSecretFiles,
  renderConfig,
  serviceMonitorEndpoint,
  valuesWith,
  type Values,
} from './chart-model.js';
import { readDockerfile } from './dockerfile.js';

const schema = JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);
const template = (name: string): string => readFileSync(join(CHART_DIR, 'templates', name), 'utf8');
const allValues: [string, Values][] = [
  ['values.yaml', defaultValues()],
  ...exampleValueFiles().map((f): [string, Values] => [f, valuesWith(f)]),
];

function schemaErrors(values: Values): string[] {
  return validate(values) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

/** Secret file content a real Secret would hold: PEM keys for *.pem, random secrets otherwise. */
function secretContent(path: string): string {
  if (!path.endsWith('.pem')) return randomBytes(48).toString('base64');
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }) as string;
}

/** Lays out /etc/gatehouse as the projected volume does and parses the config with Gatehouse's loader. */
function loadRendered(values: Values): ReturnType<typeof parseConfig> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-chart-'));
  try {
    for (const file of projectedSecretFiles(values)) {
      mkdirSync(dirname(join(dir, file.path)), { recursive: true });
      writeFileSync(join(dir, file.path), secretContent(file.path));
    }
    const env: Record<string, string> = {};
    if (at(values, 'redis', 'auth', 'existingSecret')) env.GATEHOUSE_REDIS_PASSWORD = 'from-the-secret';
    for (const e of (at(values, 'secretEnv') ?? []) as { name: string }[]) env[e.name] = 'from-the-secret';
    return parseConfig(stringify(renderConfig(values, 'gatehouse')), {
      source: 'configmap',
      baseDir: dir,
      env,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('helm chart values', () => {
  it('values.yaml and every example values file pass values.schema.json', () => {
    assert.ok(allValues.length >= 4, 'the examples are found');
    for (const [name, values] of allValues) assert.deepEqual(schemaErrors(values), [], name);
  });

  it('the schema refuses typos and wrong types', () => {
    const refused: [string, Values][] = [
      ['a misspelt key', { replicaCont: 2 }],
      ['a misspelt nested key', { persistence: { enabeld: true } }],
      ['an admin Service of another type', { adminService: { type: 'LoadBalancer' } }],
      ['an appendfsync without an append-only file', { redis: { appendfsync: 'no' } }],
      ['an unknown mode', { mode: 'daemonset' }],
      ['a digest that is not one', { image: { digest: 'latest' } }],
      ['TLS without its Secret', { tls: { dataPlane: { enabled: true } } }],
      ['a secret file without items', { secretFiles: [{ name: 'keys', secretName: 'k' }] }],
    ];
    for (const [what, layer] of refused) assert.notDeepEqual(schemaErrors(valuesWith(layer)), [], what);
  });

  it('every example renders a configuration Gatehouse accepts, its secret files where the chart mounts them', () => {
    for (const [name, values] of allValues) {
      const config = loadRendered(values);
      assert.ok(config.server.admin.host === '0.0.0.0', `${name}: probes reach the admin listener`);
      if (config.store.type === 'sqlite')
        assert.ok(
          config.store.sqlite.dataDir.startsWith('/var/lib/gatehouse/'),
          `${name}: state on the volume`,
        );
    }
  });

  it('the bundled Redis fills in the store: its Service, and the password from redis.auth', () => {
    const values = valuesWith('replicas-redis-values.yaml');
    const config = loadRendered(values);
    assert.equal(config.store.type, 'redis');
    assert.equal(config.store.redis.url, 'redis://gatehouse-redis:6379/0');
    assert.equal(config.store.redis.password, 'from-the-secret');
    const redis = template('redis.yaml');
    assert.match(redis, /^\s+appendonly yes$/m);
    assert.match(redis, /^\s+appendfsync \{\{ \.Values\.redis\.appendfsync \}\}$/m);
    assert.match(redis, /maxmemory-policy noeviction/);
  });
});

describe('helm chart invariants', () => {
  it('refuses several replicas or autoscaling on SQLite; accepts them on Redis', () => {
    assert.match(chartRefusal(valuesWith({ replicaCount: 2 })) ?? '', /need the Redis store/);
    assert.match(chartRefusal(valuesWith({ autoscaling: { enabled: true } })) ?? '', /need the Redis store/);
    assert.equal(chartRefusal(valuesWith({ replicaCount: 2, config: { store: { type: 'redis' } } })), null);
    for (const [name, values] of allValues) {
      assert.equal(chartRefusal(values), null, name);
      const replicated =
        Number(at(values, 'replicaCount')) > 1 || at(values, 'autoscaling', 'enabled') === true;
      if (replicated && at(values, 'mode') === 'standalone')
        assert.equal(loadRendered(values).store.type, 'redis', `${name}: replicas share a Redis store`);
    }
    // The template holds the same rule (helm template exercises it in CI where helm exists).
    assert.match(
      template('_helpers.tpl'),
      /\(ne \$store "redis"\) \(or \(gt \(int \.Values\.replicaCount\) 1\) \.Values\.autoscaling\.enabled\)/,
    );
  });

  it('terminationGracePeriodSeconds exceeds the preStop pause plus the drain in every values file', () => {
    for (const [name, values] of allValues) {
      const config = loadRendered(values);
      const needed =
        Number(at(values, 'preStopSleepSeconds')) +
        (config.server.shutdown.readinessDelayMs + config.server.shutdown.drainTimeoutMs) / 1000;
      assert.ok(Number(at(values, 'terminationGracePeriodSeconds')) > needed, name);
    }
    assert.match(chartRefusal(valuesWith({ terminationGracePeriodSeconds: 30 })) ?? '', /must exceed/);
  });

  it('the probes ask the admin listener for paths it serves (a real Gatehouse with the chart default config)', async () => {
    const pod = template('_pod.tpl');
    const probePaths = [...pod.matchAll(/httpGet:\s+path: (\/\S+)\s+port: (\S+)/g)].map((m) => [m[1], m[2]]);
    assert.deepEqual(probePaths, [
      ['/healthz', 'admin'],
      ['/healthz', 'admin'],
      ['/readyz', 'admin'],
    ]);
    const config = renderConfig(defaultValues(), 'gatehouse') as {
      store: { sqlite: Record<string, string> };
    };
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-probes-'));
    config.store.sqlite.dataDir = dir;
    const gh = await startGatehouse(config);
    try {
      assert.deepEqual((await send(gh.adminUrl, '/healthz')).json(), { status: 'ok' });
      assert.deepEqual((await send(gh.adminUrl, '/readyz')).json(), { status: 'ready' });
      assert.equal((await send(gh.url, '/readyz')).status, 404, 'not on the data plane');
    } finally {
      await gh.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('container ports come from the config, Services and probes use their names, the image exposes the defaults', () => {
    const pod = template('_pod.tpl');
    assert.match(pod, /name: http\s+containerPort: \{\{ include "gatehouse\.dataPlanePort" \. \}\}/);
    assert.match(pod, /name: admin\s+containerPort: \{\{ include "gatehouse\.adminPort" \. \}\}/);
    assert.match(template('_helpers.tpl'), /define "gatehouse\.dataPlanePort".*\n.*\.Values\.config\.server/);
    assert.match(template('service.yaml'), /targetPort: http$/m);
    assert.match(template('service-admin.yaml'), /targetPort: admin$/m);
    const image = readDockerfile();
    assert.deepEqual(image.exposed, [dataPlanePort(defaultValues()), adminPort(defaultValues())]);
    assert.match(
      chartRefusal(valuesWith({ config: { server: { admin: { port: 8080 } } } })) ?? '',
      /must differ/,
    );
  });

  it('the admin Service is always ClusterIP and no Ingress leads to it', () => {
    const admin = template('service-admin.yaml');
    assert.match(admin, /^ {2}type: ClusterIP$/m);
    assert.doesNotMatch(admin, /type: \{\{/);
    assert.match(template('ingress.yaml'), /port:\s+name: http$/m);
    assert.doesNotMatch(template('ingress.yaml'), /adminServiceName|name: admin/);
    assert.match(
      chartRefusal(valuesWith({ config: { server: { admin: { host: '127.0.0.1' } } } })) ?? '',
      /loopback/,
    );
  });

  it("the chart runs the image's CMD and mounts the config where the CMD reads it", () => {
    const args = /args: (\[.*\])/.exec(template('_pod.tpl'))?.[1];
    assert.ok(args);
    const image = readDockerfile();
    assert.deepEqual(JSON.parse(args), image.cmd);
    assert.match(template('_pod.tpl'), /mountPath: \/etc\/gatehouse\n\s+readOnly: true/);
    assert.match(template('_pod.tpl'), new RegExp(`mountPath: ${image.volumes[0] ?? '?'}\\n`));
  });

  it('every .Values path a template reads exists in values.yaml', () => {
    const values = defaultValues();
    const missing: string[] = [];
    for (const file of readdirSync(join(CHART_DIR, 'templates'))) {
      for (const match of template(file).matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) {
        const path = (match[1] as string).slice(1).split('.');
        let node: unknown = values;
        for (const key of path) {
          if (typeof node !== 'object' || node === null || !(key in node)) {
            missing.push(`${file}: .Values.${path.join('.')}`);
            break;
          }
          node = (node as Record<string, unknown>)[key];
        }
      }
    }
    assert.deepEqual(missing, []);
  });

  it('README.md parameter tables are generated from values.yaml (npm run helm:readme)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-readme-'));
    try {
      const readme = join(dir, 'README.md');
      copyFileSync(join(CHART_DIR, 'README.md'), readme);
      const result = spawnSync(
        process.execPath,
        [
          join(ROOT, 'node_modules/@bitnami/readme-generator-for-helm/bin/index.js'),
          '--values',
          join(CHART_DIR, 'values.yaml'),
          '--readme',
          readme,
        ],
        { encoding: 'utf8' },
      );
      assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
      assert.match(result.stdout, /Metadata is correct/);
      assert.equal(
        readFileSync(readme, 'utf8'),
        readFileSync(join(CHART_DIR, 'README.md'), 'utf8'),
        'run npm run helm:readme',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('helm chart TLS wiring (issue #14)', () => {
  const tlsValues = (): Values =>
    valuesWith({
      tls: {
        dataPlane: { enabled: true, secretName: 'dp-tls', clientCertificates: 'optional' },
        admin: { enabled: true, secretName: 'admin-tls' },
        upstreams: [{ infrastructure: 'payments', secretName: 'payments-mtls' }],
      },
      config: { infrastructures: [{ id: 'payments', nodes: ['https://payments.internal:8443'] }] },
    });

  it('names the mounted cert folders in the config, and Gatehouse loads the certificates from them', async () => {
    const values = tlsValues();
    const config = renderConfig(values, 'gatehouse') as {
      server: { dataPlane: { tls: Record<string, unknown> }; admin: { tls: Record<string, unknown> } };
      infrastructures: { tls: Record<string, unknown> }[];
    };
    assert.deepEqual(config.server.dataPlane.tls, {
      certFolder: 'tls/data-plane',
      clientCertificates: 'optional',
    });
    assert.deepEqual(config.server.admin.tls, { certFolder: 'tls/admin', clientCertificates: 'off' });
    assert.deepEqual(config.infrastructures[0]?.tls, { certFolder: 'tls/upstreams/payments' });
    // The projected volume's layout with real certificates: Gatehouse's own checks read them.
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-chart-tls-'));
    const pem = mkdtempSync(join(tmpdir(), 'gatehouse-chart-pem-'));
    try {
      makeCertificates(pem);
      for (const file of projectedSecretFiles(values)) {
        mkdirSync(dirname(join(dir, file.path)), { recursive: true });
        const name = file.path.split('/').at(-1) as string;
        writeFileSync(join(dir, file.path), readFileSync(join(pem, name)));
      }
      const verdict = await validateConfigText(stringify(config), {
        source: 'configmap',
        baseDir: dir,
        env: {},
      });
      assert.deepEqual(verdict.ok ? [] : verdict.issues, []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(pem, { recursive: true, force: true });
    }
  });

  it('keeps TLS settings the config gives itself, switches the probes to HTTPS, refuses required admin client certificates', () => {
    const own = valuesWith({
      tls: { dataPlane: { enabled: true, secretName: 'dp-tls' } },
      config: { server: { dataPlane: { tls: { cert: 'elsewhere.crt', key: 'elsewhere.key' } } } },
    });
    assert.deepEqual(
      (renderConfig(own, 'gatehouse') as { server: { dataPlane: { tls: object } } }).server.dataPlane.tls,
      {
        cert: 'elsewhere.crt',
        key: 'elsewhere.key',
        clientCertificates: 'off',
      },
    );
    assert.equal(probeScheme(tlsValues()), 'HTTPS');
    assert.equal(probeScheme(defaultValues()), 'HTTP');
    assert.equal(
      (template('_pod.tpl').match(/scheme: \{\{ include "gatehouse\.probeScheme" \. \}\}/g) ?? []).length,
      3,
    );
    assert.match(
      chartRefusal(
        valuesWith({ tls: { admin: { enabled: true, secretName: 'a', clientCertificates: 'required' } } }),
      ) ?? '',
      /refuse the kubelet's probes/,
    );
    assert.deepEqual(schemaErrors(tlsValues()), []);
    assert.notDeepEqual(
      schemaErrors(valuesWith({ tls: { dataPlane: { clientCertificates: 'sometimes' } } })),
      [],
    );
  });
});

describe('helm chart forward-auth decision endpoint (config.server.decisions)', () => {
  const schemaDefaults = decisionsSchema.parse({});
  const withDecisions = (decisions: object, layer: Values = {}): Values =>
    valuesWith({ ...layer, config: { server: { decisions } } });

  it("is off unless the config sets it; the port is the config's, else the schema's default", () => {
    for (const [name, values] of allValues) {
      assert.equal(at(values, 'config', 'server', 'decisions'), undefined, `${name} leaves it off`);
      assert.equal(decisionsPort(values), null, name);
    }
    assert.equal(decisionsPort(withDecisions({ host: '0.0.0.0' })), schemaDefaults.port);
    assert.equal(decisionsPort(withDecisions({ host: '0.0.0.0', port: 8181 })), 8181);
    assert.match(
      template('_helpers.tpl'),
      new RegExp(
        String.raw`define "gatehouse\.decisionsPort" -\}\}\n.*\.Values\.config\.server -\}\}\n` +
          String.raw`\{\{- if kindIs "map" \$server\.decisions -\}\}\n` +
          String.raw`\{\{- default ${schemaDefaults.port} \$server\.decisions\.port -\}\}\n\{\{- end -\}\}`,
      ),
    );
    // What the chart renders with it, Gatehouse's own loader accepts as is.
    const values = withDecisions({ host: '0.0.0.0', port: 8181 });
    assert.equal(chartRefusal(values), null);
    assert.deepEqual(schemaErrors(values), []);
    assert.deepEqual(loadRendered(values).server.decisions, { host: '0.0.0.0', port: 8181 });
  });

  it('the pod declares the decisions containerPort only when the listener is configured', () => {
    const pod = template('_pod.tpl');
    assert.match(
      pod,
      /\{\{- with include "gatehouse\.decisionsPort" \. \}\}\n(?: +#.*\n)? +- name: decisions\n +containerPort: \{\{ \. \}\}\n +protocol: TCP\n +\{\{- end \}\}\n/,
    );
    assert.equal((pod.match(/name: decisions/g) ?? []).length, 1, 'no unguarded decisions port');
  });

  it('the decisions Service is ClusterIP only, targets the decisions port, and no Ingress leads to it', () => {
    const service = template('service-decisions.yaml');
    const adminGuard = /^\{\{- if (.*) \}\}$/m.exec(template('service-admin.yaml'))?.[1];
    assert.ok(adminGuard);
    assert.equal(
      service.split('\n')[0],
      `{{- if and (include "gatehouse.decisionsPort" .) (${adminGuard}) }}`,
      'only with the listener, and in the modes the admin Service is rendered in',
    );
    assert.match(service, /^ {2}name: \{\{ include "gatehouse\.decisionsServiceName" \. \}\}$/m);
    assert.match(
      template('_helpers.tpl'),
      /define "gatehouse\.decisionsServiceName" -\}\}\n\{\{- printf "%s-decisions" \(include "gatehouse\.fullname" \.\)/,
    );
    assert.match(service, /^ {2}type: ClusterIP$/m);
    assert.doesNotMatch(service, /type: \{\{|nodePort|loadBalancer|externalTrafficPolicy/);
    assert.match(
      service,
      /- name: decisions\n +port: \{\{ \.Values\.decisionsService\.port \}\}\n +targetPort: decisions\n/,
    );
    assert.doesNotMatch(template('ingress.yaml'), /decisions/);
    assert.match(template('ingress.yaml'), /port:\s+name: http$/m);
    assert.match(
      template('NOTES.txt'),
      /\{\{- if include "gatehouse\.decisionsPort" \. \}\}\nDecisions \(ClusterIP\): +service\/\{\{ include "gatehouse\.decisionsServiceName" \. \}\}/,
    );
  });

  it('the NetworkPolicy opens the decisions port to networkPolicy.decisionsFrom only', () => {
    assert.match(
      template('networkpolicy.yaml'),
      /\{\{- if include "gatehouse\.decisionsPort" \. \}\}\n +\{\{- with \.Values\.networkPolicy\.decisionsFrom \}\}\n +- ports:\n +- port: decisions\n +protocol: TCP\n +from:\n +\{\{- toYaml \. \| nindent 8 \}\}\n +\{\{- end \}\}\n +\{\{- end \}\}/,
    );
    assert.deepEqual(at(defaultValues(), 'networkPolicy', 'decisionsFrom'), []);
  });

  it('refuses the decision listener on the data-plane or admin port, on port 0, or on loopback', () => {
    assert.match(
      chartRefusal(withDecisions({ host: '0.0.0.0', port: 8080 })) ?? '',
      /decisions\.port \(8080\) must differ from config\.server\.dataPlane\.port/,
    );
    assert.match(
      chartRefusal(withDecisions({ host: '0.0.0.0', port: 9090 })) ?? '',
      /decisions\.port \(9090\) must differ from config\.server\.admin\.port/,
    );
    // The default decision port against a data plane moved onto it.
    assert.match(
      chartRefusal(
        valuesWith({ config: { server: { dataPlane: { port: 8081 }, decisions: { host: '0.0.0.0' } } } }),
      ) ?? '',
      /must differ from config\.server\.dataPlane\.port/,
    );
    assert.match(chartRefusal(withDecisions({ host: '0.0.0.0', port: 0 })) ?? '', /picks a free port/);
    // Gatehouse's default host is loopback: the chart refuses it rather than rewriting it.
    assert.match(
      chartRefusal(withDecisions({})) ?? '',
      new RegExp(`decisions\\.host is ${schemaDefaults.host.replaceAll('.', '\\.')} .*loopback`),
    );
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1'])
      assert.match(chartRefusal(withDecisions({ host })) ?? '', /loopback/, host);
    for (const host of ['0.0.0.0', '::', '10.1.2.3'])
      assert.equal(chartRefusal(withDecisions({ host })), null, host);
    // The template holds the same refusals, with the same wording.
    const helpers = template('_helpers.tpl');
    for (const text of [
      'config.server.decisions.port 0 picks a free port at start, which no containerPort or Service can name',
      'config.server.decisions.port (%s) must differ from config.server.%s.port',
      "config.server.decisions.host is %s (Gatehouse's default when the config gives none): the decisions Service and the ingress controllers cannot reach a loopback listener",
      '{{- range $listener := list "dataPlane" "admin" -}}',
      `{{- $decisionsHost := default "${schemaDefaults.host}" $decisions.host -}}`,
      '{{- if or (hasPrefix "127." $decisionsHost) (eq $decisionsHost "localhost") (eq $decisionsHost "::1") -}}',
    ])
      assert.ok(helpers.includes(text), text);
  });

  it('the schema takes decisionsService and networkPolicy.decisionsFrom, and refuses typos under them', () => {
    assert.deepEqual(
      schemaErrors(
        withDecisions(
          { host: '0.0.0.0', port: 8081 },
          {
            decisionsService: { port: 18081, annotations: { 'example.com/team': 'edge' } },
            networkPolicy: {
              enabled: true,
              decisionsFrom: [
                { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
              ],
            },
          },
        ),
      ),
      [],
    );
    const refused: [string, Values][] = [
      ['a misspelt key', { decisionsService: { prot: 8081 } }],
      ['a decisions Service of another type', { decisionsService: { type: 'LoadBalancer' } }],
      ['port 0', { decisionsService: { port: 0 } }],
      ['a port that is not a number', { decisionsService: { port: '8081' } }],
      ['peers that are not a list', { networkPolicy: { decisionsFrom: 'ingress-nginx' } }],
    ];
    for (const [what, layer] of refused) assert.notDeepEqual(schemaErrors(valuesWith(layer)), [], what);
    const withoutService = defaultValues();
    delete withoutService.decisionsService;
    assert.notDeepEqual(schemaErrors(withoutService), [], 'decisionsService is required, as adminService is');
  });
});

describe('helm chart ServiceMonitor over an HTTPS admin listener (metrics.serviceMonitor.tlsConfig)', () => {
  /** The Prometheus Operator's type of one endpoint's tlsConfig: object literals typed with it fail tsc on a misspelt field. */
  type ScrapeTlsConfig = NonNullable<NonNullable<IServiceMonitor['spec']['endpoints']>[number]['tlsConfig']>;
  const monitored = (layer: Values = {}): Values =>
    valuesWith(
      mergeValues(
        {
          metrics: { serviceMonitor: { enabled: true } },
          tls: { admin: { enabled: true, secretName: 'admin-tls' } },
        },
        layer,
      ),
    );
  /** The ServiceMonitor servicemonitor.yaml renders for these values, reduced to its endpoint's scheme and TLS, checked against the operator's schema. */
  function scrape(
    values: Values,
    release = 'gatehouse',
    namespace = 'monitoring',
  ): ReturnType<typeof serviceMonitorEndpoint> {
    const endpoint = serviceMonitorEndpoint(values, release, namespace);
    if (endpoint)
      new ServiceMonitor({
        metadata: { name: release },
        spec: { selector: {}, endpoints: [{ port: 'admin', path: '/metrics', ...endpoint }] },
      }).validate();
    return endpoint;
  }
  const userTlsConfig: ScrapeTlsConfig = {
    ca: { configMap: { name: 'internal-ca', key: 'ca.pem' } },
    serverName: 'gatehouse-admin.edge.svc',
    cert: { secret: { name: 'prometheus-scrape-tls', key: 'tls.crt' } },
    keySecret: { name: 'prometheus-scrape-tls', key: 'tls.key' },
  };

  it("scrapes with the probes' scheme, HTTPS once tls.admin is on, and renders tlsConfig over HTTPS only", () => {
    const monitor = template('servicemonitor.yaml');
    assert.doesNotMatch(monitor, /\.Values\.probes\.scheme/, 'the scheme follows tls.admin as the probes do');
    assert.match(monitor, /^\{\{- \$scheme := lower \(include "gatehouse\.probeScheme" \.\) \}\}$/m);
    assert.match(
      monitor,
      new RegExp(
        String.raw`\n {4}- port: admin\n {6}path: /metrics\n {6}scheme: \{\{ \$scheme \}\}\n` +
          String.raw` {6}interval: .*\n {6}scrapeTimeout: .*\n` +
          String.raw` {6}\{\{- if eq \$scheme "https" \}\}\n` +
          String.raw` {6}\{\{- with include "gatehouse\.serviceMonitorTlsConfig" \. \}\}\n` +
          String.raw` {6}tlsConfig:\n {8}\{\{- \. \| nindent 8 \}\}\n {6}\{\{- end \}\}\n {6}\{\{- end \}\}\n\{\{- end \}\}\n?$`,
      ),
    );
    assert.equal((monitor.match(/tlsConfig/g) ?? []).length, 1, 'no tlsConfig outside the https guard');
    assert.equal(scrape(valuesWith({})), null, 'off by default');
    assert.deepEqual(scrape(valuesWith({ metrics: { serviceMonitor: { enabled: true } } })), {
      scheme: 'http',
    });
    assert.deepEqual(
      scrape(valuesWith({ metrics: { serviceMonitor: { enabled: true, tlsConfig: userTlsConfig } } })),
      { scheme: 'http' },
      'a tlsConfig is not rendered for plain HTTP',
    );
    // probes.scheme stays HTTP (its default): tls.admin alone switches the scrape to HTTPS.
    assert.equal(scrape(monitored())?.scheme, 'https');
    assert.equal(at(monitored(), 'probes', 'scheme'), 'HTTP');
    assert.deepEqual(at(defaultValues(), 'metrics', 'serviceMonitor', 'tlsConfig'), {});
  });

  it("by default trusts the ca.crt of the admin TLS Secret and verifies the admin Service's DNS name", () => {
    const helpers = template('_helpers.tpl');
    const helper =
      /\{\{- define "gatehouse\.serviceMonitorTlsConfig" -\}\}\n([\s\S]*?)\n\{\{- end -\}\}\n\n/.exec(
        helpers,
      )?.[1];
    assert.equal(
      helper,
      [
        '{{- if .Values.metrics.serviceMonitor.tlsConfig -}}',
        '{{- toYaml .Values.metrics.serviceMonitor.tlsConfig -}}',
        '{{- else if and .Values.tls.admin.enabled .Values.tls.admin.secretName -}}',
        'ca:',
        '  secret:',
        '    name: {{ .Values.tls.admin.secretName }}',
        '    key: ca.crt',
        'serverName: {{ printf "%s.%s.svc" (include "gatehouse.adminServiceName" .) .Release.Namespace }}',
        '{{- end -}}',
      ].join('\n'),
    );
    assert.match(
      helpers,
      /define "gatehouse\.adminServiceName" -\}\}\n\{\{- printf "%s-admin" \(include "gatehouse\.fullname" \.\)/,
    );
    assert.match(
      template('service-admin.yaml'),
      /^ {2}name: \{\{ include "gatehouse\.adminServiceName" \. \}\}$/m,
    );
    const expected: ScrapeTlsConfig = {
      ca: { secret: { name: 'admin-tls', key: 'ca.crt' } },
      serverName: 'gatehouse-admin.monitoring.svc',
    };
    const values = monitored();
    assert.deepEqual(scrape(values), { scheme: 'https', tlsConfig: expected });
    assert.equal(adminServiceName(values, 'gatehouse'), 'gatehouse-admin');
    assert.equal(scrape(values, 'edge', 'apis')?.tlsConfig?.serverName, 'edge-gatehouse-admin.apis.svc');
    assert.equal(
      scrape(monitored({ fullnameOverride: 'gh' }), 'edge', 'apis')?.tlsConfig?.serverName,
      'gh-admin.apis.svc',
    );
    // The CA is the one of the Secret the admin listener serves its certificate from.
    assert.ok(
      projectedSecretFiles(values).some(
        (f) => f.path === 'tls/admin/server.crt' && f.secretName === 'admin-tls',
      ),
    );
    // tls.admin.clientCaSecretName verifies clients, not the server: it does not change the scrape's CA.
    assert.deepEqual(
      scrape(monitored({ tls: { admin: { clientCaSecretName: 'clients-ca' } } }))?.tlsConfig,
      expected,
    );
    // The sidecar's example API node: its admin Service carries the same name.
    assert.deepEqual(
      scrape(
        monitored({
          mode: 'sidecar',
          sidecar: { apiNode: { image: { repository: 'registry.example.com/api' } } },
        }),
      ),
      { scheme: 'https', tlsConfig: expected },
    );
    assert.equal(chartRefusal(values), null);
    assert.deepEqual(schemaErrors(values), []);
  });

  it('a tlsConfig in the values replaces the default one entirely', () => {
    const values = monitored({ metrics: { serviceMonitor: { tlsConfig: userTlsConfig } } });
    assert.deepEqual(scrape(values), { scheme: 'https', tlsConfig: userTlsConfig });
    const skip: ScrapeTlsConfig = { insecureSkipVerify: true };
    assert.deepEqual(
      scrape(monitored({ metrics: { serviceMonitor: { tlsConfig: skip } } }))?.tlsConfig,
      skip,
      'nothing of the default (ca, serverName) is merged in',
    );
    assert.equal(chartRefusal(values), null);
    assert.deepEqual(schemaErrors(values), []);
  });

  it('refuses an HTTPS admin listener whose certificate the chart does not mount, unless tlsConfig is set', () => {
    // The config serves the admin listener with its own files; the probes are told HTTPS.
    const own: Values = {
      probes: { scheme: 'HTTPS' },
      config: { server: { admin: { tls: { cert: 'secrets/admin/tls.crt', key: 'secrets/admin/tls.key' } } } },
    };
    const refused = valuesWith(mergeValues(own, { metrics: { serviceMonitor: { enabled: true } } }));
    assert.match(chartRefusal(refused) ?? '', /^metrics\.serviceMonitor\.tlsConfig is needed: /);
    assert.deepEqual(scrape(refused), { scheme: 'https' }, 'it would render no CA');
    for (const [what, layer] of [
      ['with a tlsConfig', { metrics: { serviceMonitor: { enabled: true, tlsConfig: userTlsConfig } } }],
      ['without a ServiceMonitor', {}],
      [
        'in a sidecar without the example API node (no ServiceMonitor rendered)',
        {
          mode: 'sidecar',
          sidecar: { apiNode: { enabled: false } },
          metrics: { serviceMonitor: { enabled: true } },
        },
      ],
    ] as [string, Values][])
      assert.equal(chartRefusal(valuesWith(mergeValues(own, layer))), null, what);
    assert.equal(chartRefusal(monitored()), null, 'tls.admin gives the CA');
    // The template holds the same refusal, with the same wording.
    const helpers = template('_helpers.tpl');
    for (const text of [
      '{{- $serviceMonitor := and .Values.metrics.serviceMonitor.enabled (or (eq .Values.mode "standalone") .Values.sidecar.apiNode.enabled) -}}',
      '{{- if and $serviceMonitor (eq (include "gatehouse.probeScheme" .) "HTTPS") (not .Values.metrics.serviceMonitor.tlsConfig) (not (and .Values.tls.admin.enabled .Values.tls.admin.secretName)) -}}',
      `{{- fail "${chartRefusal(refused) ?? '?'}. Set metrics.serviceMonitor.tlsConfig (ca.secret or ca.configMap with the CA that issued the admin certificate, and serverName), or serve the admin certificate through tls.admin" -}}`,
    ])
      assert.ok(helpers.includes(text), text);
    assert.equal(
      /^\{\{- if (.*) \}\}$/m.exec(template('servicemonitor.yaml'))?.[1],
      'and .Values.metrics.serviceMonitor.enabled (or (eq .Values.mode "standalone") .Values.sidecar.apiNode.enabled)',
      'the refusal applies where the ServiceMonitor is rendered',
    );
  });

  it('the schema takes a Prometheus Operator tlsConfig and refuses typos under it', () => {
    for (const tlsConfig of [
      {},
      userTlsConfig,
      {
        ca: { secret: { name: 'internal-ca', key: 'ca.crt', optional: false } },
        serverName: 'gatehouse.internal',
      },
      { insecureSkipVerify: true },
      {
        ca: { configMap: { name: 'kube-root-ca.crt', key: 'ca.crt' } },
        minVersion: 'TLS12',
        maxVersion: 'TLS13',
      },
    ])
      assert.deepEqual(
        schemaErrors(monitored({ metrics: { serviceMonitor: { tlsConfig } } })),
        [],
        JSON.stringify(tlsConfig),
      );
    const refused: [string, unknown][] = [
      ['a misspelt key', { serverNmae: 'gatehouse-admin.edge.svc' }],
      ['a misspelt key in a selector', { ca: { secret: { name: 'internal-ca', kye: 'ca.crt' } } }],
      ['a selector without its key', { ca: { secret: { name: 'internal-ca' } } }],
      [
        'a CA from a Secret and a ConfigMap at once',
        { ca: { secret: { name: 'a', key: 'ca.crt' }, configMap: { name: 'b', key: 'ca.crt' } } },
      ],
      ['a client certificate without its key', { cert: { secret: { name: 'scrape-tls', key: 'tls.crt' } } }],
      ['a client key without its certificate', { keySecret: { name: 'scrape-tls', key: 'tls.key' } }],
      ['a file in the Prometheus pod (not a SafeTLSConfig field)', { caFile: '/etc/prometheus/ca.crt' }],
      ['insecureSkipVerify that is not a boolean', { insecureSkipVerify: 'yes' }],
      ['an unknown TLS version', { minVersion: '1.2' }],
      ['a tlsConfig that is not an object', 'ca.crt'],
    ];
    for (const [what, tlsConfig] of refused)
      assert.notDeepEqual(schemaErrors(valuesWith({ metrics: { serviceMonitor: { tlsConfig } } })), [], what);
  });
});
