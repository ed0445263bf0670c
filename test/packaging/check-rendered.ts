/**
 * What CI runs where a `helm` binary exists (.ci/run; `HELM=/path/to/helm` picks one):
 * `helm lint` and `helm template` for values.yaml and every example, every rendered
 * object validated against the Kubernetes schemas (kubernetes-models, and the
 * Prometheus Operator's for ServiceMonitor/PrometheusRule), the invariants checked on
 * the rendered objects (also with the forward-auth decision listener, which no example
 * enables), the ConfigMap, the container ports and the ServiceMonitor's scheme and
 * tlsConfig (also over an HTTPS admin listener, which no example enables) compared
 * with chart-model.ts's mirrors, and each refusal compared with the mirror's. Prints
 * one line per check; exits 1 on a failure.
 *
 *   npx tsx test/packaging/check-rendered.ts
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import {
  PrometheusRule,
  ServiceMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, PersistentVolumeClaim, Service, ServiceAccount } from 'kubernetes-models/v1';
import {
  CHART_DIR,
  adminPort,
  at,
  chartRefusal,
  dataPlanePort,
  decisionsPort,
  exampleValueFiles,
  EXAMPLES_DIR,
  probeScheme,
  renderConfig,
  serviceMonitorEndpoint,
  valuesWith,
  type Values,
} from './chart-model.js';
import { readDockerfile } from './dockerfile.js';

const HELM = process.env.HELM ?? 'helm';
const RELEASE = 'gatehouse';
// Rendered with --namespace: the ServiceMonitor's serverName and namespaceSelector name it.
const NAMESPACE = 'edge';

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string }; [key: string]: unknown };
type Validator = (object: K8sObject) => void;
const v =
  <T extends { validate(): void }>(Model: new (data: never) => T): Validator =>
  (object) =>
    new Model(object as never).validate();
const MODELS: Record<string, Validator> = {
  'v1/ConfigMap': v(ConfigMap),
  'v1/Service': v(Service),
  'v1/ServiceAccount': v(ServiceAccount),
  'v1/PersistentVolumeClaim': v(PersistentVolumeClaim),
  'apps/v1/Deployment': v(Deployment),
  'apps/v1/StatefulSet': v(StatefulSet),
  'policy/v1/PodDisruptionBudget': v(PodDisruptionBudget),
  'autoscaling/v2/HorizontalPodAutoscaler': v(HorizontalPodAutoscaler),
  'networking.k8s.io/v1/NetworkPolicy': v(NetworkPolicy),
  'networking.k8s.io/v1/Ingress': v(Ingress),
  'monitoring.coreos.com/v1/ServiceMonitor': v(ServiceMonitor),
  'monitoring.coreos.com/v1/PrometheusRule': v(PrometheusRule),
};

let failures = 0;
function check(name: string, fn: () => void): void {
  try {
    fn();
    console.log(`ok - ${name}`);
  } catch (err) {
    failures += 1;
    console.log(
      `not ok - ${name}\n  ${(err instanceof Error ? err.message : String(err)).replaceAll('\n', '\n  ')}`,
    );
  }
}

function helm(args: string[]): { status: number | null; out: string } {
  const result = spawnSync(HELM, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

function withValuesFile<T>(values: Values, fn: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-helm-'));
  try {
    const path = join(dir, 'values.yaml');
    writeFileSync(path, stringify(values));
    return fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type Container = {
  name: string;
  args?: string[];
  ports?: { name: string; containerPort: number }[];
  livenessProbe?: { httpGet?: { path: string; port: string } };
  readinessProbe?: { httpGet?: { path: string; port: string } };
};
type PodTemplate = { spec: { terminationGracePeriodSeconds: number; containers: Container[] } };

function checkRendered(name: string, values: Values, objects: K8sObject[]): void {
  check(`${name}: every object matches its Kubernetes schema`, () => {
    for (const object of objects) {
      const validator = MODELS[`${object.apiVersion}/${object.kind}`];
      assert.ok(validator, `no schema for ${object.apiVersion} ${object.kind}`);
      validator(object);
    }
  });
  check(`${name}: the ConfigMap holds the configuration chart-model.ts computes`, () => {
    const map = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === RELEASE) as
      { data: Record<string, string> } | undefined;
    assert.ok(map);
    assert.deepEqual(parse(map.data['gatehouse.yaml'] ?? ''), renderConfig(values, RELEASE));
  });
  check(`${name}: Gatehouse container ports, probes, command and grace period`, () => {
    const cmd = readDockerfile().cmd;
    const workloads = objects.filter((o) => o.kind === 'Deployment') as unknown as (K8sObject & {
      spec: { template: PodTemplate };
    })[];
    assert.ok(workloads.length > 0);
    for (const workload of workloads) {
      const pod = workload.spec.template.spec;
      const gatehouse = pod.containers.find((c) => c.args?.[0] === 'start');
      assert.ok(gatehouse, `${workload.metadata.name} runs Gatehouse`);
      assert.deepEqual(gatehouse.args, cmd);
      const ports = Object.fromEntries((gatehouse.ports ?? []).map((p) => [p.name, p.containerPort]));
      const decisions = decisionsPort(values);
      assert.deepEqual(ports, {
        http: dataPlanePort(values),
        admin: adminPort(values),
        ...(decisions === null ? {} : { decisions }),
      });
      const scheme = probeScheme(values);
      assert.deepEqual(gatehouse.livenessProbe?.httpGet, { path: '/healthz', port: 'admin', scheme });
      assert.deepEqual(gatehouse.readinessProbe?.httpGet, { path: '/readyz', port: 'admin', scheme });
      assert.ok(pod.terminationGracePeriodSeconds > 30);
    }
  });
  check(`${name}: the admin Service is ClusterIP`, () => {
    for (const service of objects.filter((o) => o.kind === 'Service' && o.metadata.name.endsWith('-admin')))
      assert.equal((service as unknown as { spec: { type: string } }).spec.type, 'ClusterIP');
  });
  check(
    `${name}: the decisions Service, when config.server.decisions is set, is ClusterIP on the decisions port`,
    () => {
      type ServiceSpec = { type: string; ports: { name: string; port: number; targetPort: unknown }[] };
      const services = objects.filter((o) => o.kind === 'Service' && o.metadata.name.endsWith('-decisions'));
      const workloads = objects.filter((o) => o.kind === 'Deployment').length;
      if (decisionsPort(values) === null || workloads === 0) {
        assert.deepEqual(services, []);
        return;
      }
      assert.deepEqual(
        services.map((o) => o.metadata.name),
        [`${RELEASE}-decisions`],
      );
      const spec = (services[0] as unknown as { spec: ServiceSpec }).spec;
      assert.equal(spec.type, 'ClusterIP');
      assert.deepEqual(spec.ports, [
        {
          name: 'decisions',
          port: at(values, 'decisionsService', 'port'),
          targetPort: 'decisions',
          protocol: 'TCP',
        },
      ]);
    },
  );
  check(`${name}: the ServiceMonitor scrapes with the scheme and tlsConfig chart-model.ts computes`, () => {
    type Endpoint = { port: string; path: string; scheme: string; tlsConfig?: Record<string, unknown> };
    const monitors = objects.filter((o) => o.kind === 'ServiceMonitor') as unknown as (K8sObject & {
      spec: { namespaceSelector: { matchNames: string[] }; endpoints: Endpoint[] };
    })[];
    const expected = serviceMonitorEndpoint(values, RELEASE, NAMESPACE);
    if (expected === null) {
      assert.deepEqual(monitors, []);
      return;
    }
    assert.equal(monitors.length, 1);
    const monitor = monitors[0] as (typeof monitors)[number];
    assert.deepEqual(monitor.spec.namespaceSelector.matchNames, [NAMESPACE]);
    assert.equal(monitor.spec.endpoints.length, 1);
    const { port, path, scheme, tlsConfig } = monitor.spec.endpoints[0] as Endpoint;
    assert.deepEqual([port, path], ['admin', '/metrics']);
    assert.deepEqual({ scheme, ...(tlsConfig === undefined ? {} : { tlsConfig }) }, expected);
    assert.ok(scheme === 'http' || tlsConfig !== undefined, 'an https scrape has a tlsConfig');
    // The default verifies the rendered admin Service's in-cluster name.
    const own = at(values, 'metrics', 'serviceMonitor', 'tlsConfig') as object | undefined;
    if (tlsConfig && Object.keys(own ?? {}).length === 0) {
      const admin = objects.find((o) => o.kind === 'Service' && o.metadata.name.endsWith('-admin'));
      assert.ok(admin);
      assert.equal(tlsConfig.serverName, `${admin.metadata.name}.${NAMESPACE}.svc`);
    }
  });
  check(`${name}: no Ingress leads to the admin or decisions Service`, () => {
    for (const ingress of objects.filter((o) => o.kind === 'Ingress'))
      for (const rule of (
        ingress as unknown as {
          spec: { rules: { http: { paths: { backend: { service: { name: string } } }[] } }[] };
        }
      ).spec.rules)
        for (const path of rule.http.paths)
          assert.equal(path.backend.service.name, RELEASE, 'the data-plane Service only');
  });
  check(`${name}: the NetworkPolicy opens the decisions port to networkPolicy.decisionsFrom only`, () => {
    const policy = objects.find((o) => o.kind === 'NetworkPolicy') as
      { spec: { ingress: { ports: { port: string }[]; from?: unknown[] }[] } } | undefined;
    if (!policy) return;
    const rules = policy.spec.ingress.filter((r) => r.ports.some((p) => p.port === 'decisions'));
    const from = (at(values, 'networkPolicy', 'decisionsFrom') ?? []) as unknown[];
    if (decisionsPort(values) === null || from.length === 0) assert.deepEqual(rules, []);
    else assert.deepEqual(rules, [{ ports: [{ port: 'decisions', protocol: 'TCP' }], from }]);
  });
}

const sets: [string, Values][] = [
  ['values.yaml', valuesWith({})],
  ...exampleValueFiles().map((f): [string, Values] => [f, valuesWith(f)]),
];
// The forward-auth decision listener, which no example enables: standalone with a
// NetworkPolicy, standalone on the default port without decisionsFrom, and a sidecar.
const decisionLayers: [string, Values][] = [
  [
    'forward-auth decisions',
    {
      config: { server: { decisions: { host: '0.0.0.0', port: 8181 } } },
      decisionsService: { port: 80 },
      networkPolicy: {
        enabled: true,
        decisionsFrom: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
        ],
      },
    },
  ],
  [
    'forward-auth decisions on the default port',
    { config: { server: { decisions: { host: '0.0.0.0' } } }, networkPolicy: { enabled: true } },
  ],
  [
    'forward-auth decisions in a sidecar',
    {
      mode: 'sidecar',
      sidecar: { apiNode: { image: { repository: 'registry.example.com/api' } } },
      config: { server: { decisions: { host: '0.0.0.0' } } },
    },
  ],
];
// The ServiceMonitor over an HTTPS admin listener, which no example enables: the
// default tlsConfig (tls.admin's Secret), the values' own (with a client certificate,
// tls.admin.clientCertificates optional), HTTPS from the config's own files with a
// tlsConfig, and the sidecar's example API node.
const scrapeTlsConfig = {
  ca: { configMap: { name: 'internal-ca', key: 'ca.pem' } },
  serverName: `gatehouse-admin.${NAMESPACE}.svc`,
  cert: { secret: { name: 'prometheus-scrape-tls', key: 'tls.crt' } },
  keySecret: { name: 'prometheus-scrape-tls', key: 'tls.key' },
};
const adminTls = { admin: { enabled: true, secretName: 'gatehouse-admin-tls' } };
const serviceMonitorLayers: [string, Values][] = [
  ['ServiceMonitor over admin TLS', { tls: adminTls, metrics: { serviceMonitor: { enabled: true } } }],
  [
    'ServiceMonitor over admin TLS with its own tlsConfig',
    {
      tls: { admin: { ...adminTls.admin, clientCertificates: 'optional' } },
      metrics: { serviceMonitor: { enabled: true, tlsConfig: scrapeTlsConfig } },
    },
  ],
  [
    "ServiceMonitor over HTTPS from the config's own certificate files",
    {
      probes: { scheme: 'HTTPS' },
      config: { server: { admin: { tls: { cert: 'secrets/admin/tls.crt', key: 'secrets/admin/tls.key' } } } },
      metrics: {
        serviceMonitor: {
          enabled: true,
          tlsConfig: { ca: scrapeTlsConfig.ca, serverName: 'gatehouse.internal' },
        },
      },
    },
  ],
  [
    'ServiceMonitor over admin TLS in a sidecar',
    {
      mode: 'sidecar',
      sidecar: { apiNode: { image: { repository: 'registry.example.com/api' } } },
      tls: adminTls,
      metrics: { serviceMonitor: { enabled: true } },
    },
  ],
  [
    'ServiceMonitor with a tlsConfig over plain HTTP',
    { metrics: { serviceMonitor: { enabled: true, tlsConfig: scrapeTlsConfig } } },
  ],
];
for (const [name, values, layer] of [
  ...sets.map(([n, v]): [string, Values, Values | undefined] => [n, v, undefined]),
  ...[...decisionLayers, ...serviceMonitorLayers].map(([n, l]): [string, Values, Values | undefined] => [
    n,
    valuesWith(l),
    l,
  ]),
]) {
  const run = (args: string[]): { status: number | null; out: string } =>
    layer
      ? withValuesFile(layer, (path) => helm([...args, '-f', path]))
      : helm(name === 'values.yaml' ? args : [...args, '-f', join(EXAMPLES_DIR, name)]);
  check(`${name}: helm lint`, () => {
    const lint = run(['lint', CHART_DIR]);
    assert.equal(lint.status, 0, lint.out);
  });
  const rendered = run(['template', RELEASE, CHART_DIR, '--namespace', NAMESPACE]);
  check(`${name}: helm template`, () => assert.equal(rendered.status, 0, rendered.out));
  if (rendered.status !== 0) continue;
  const objects = parseAllDocuments(rendered.out)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
  checkRendered(name, values, objects);
}

const refusals: [string, Values][] = [
  ['two replicas on SQLite', { replicaCount: 2 }],
  ['autoscaling on SQLite', { autoscaling: { enabled: true } }],
  ['two replicas on Redis', { replicaCount: 2, config: { store: { type: 'redis' } } }],
  ['an admin listener on loopback', { config: { server: { admin: { host: '127.0.0.1' } } } }],
  ['a grace period shorter than the drain', { terminationGracePeriodSeconds: 20 }],
  ['one port for both listeners', { config: { server: { admin: { port: 8080 } } } }],
  [
    'the decision listener on the data-plane port',
    { config: { server: { decisions: { host: '0.0.0.0', port: 8080 } } } },
  ],
  [
    'the decision listener on the admin port',
    { config: { server: { decisions: { host: '0.0.0.0', port: 9090 } } } },
  ],
  ['the decision listener on port 0', { config: { server: { decisions: { host: '0.0.0.0', port: 0 } } } }],
  ["the decision listener on Gatehouse's default host", { config: { server: { decisions: {} } } }],
  ['the decision listener on localhost', { config: { server: { decisions: { host: 'localhost' } } } }],
  ['the decision listener on 0.0.0.0', { config: { server: { decisions: { host: '0.0.0.0' } } } }],
  ['the bundled Redis without a password', { redis: { enabled: true }, replicaCount: 2 }],
  ['a sidecar without an API node image', { mode: 'sidecar' }],
  [
    'a ServiceMonitor over HTTPS with no CA (probes.scheme HTTPS, tls.admin off, no tlsConfig)',
    { probes: { scheme: 'HTTPS' }, metrics: { serviceMonitor: { enabled: true } } },
  ],
];
for (const [name, layer] of refusals) {
  check(`refusal as the mirror predicts: ${name}`, () => {
    const expected = chartRefusal(valuesWith(layer));
    const result = withValuesFile(layer, (path) => helm(['template', RELEASE, CHART_DIR, '-f', path]));
    assert.equal(result.status === 0, expected === null, result.out);
    if (expected !== null) assert.ok(result.out.includes(expected.split(':')[0] as string), result.out);
  });
}

// The sidecar as the chart's README tells a user to include it: this chart as a
// subchart of the API node's own chart, its templates called with .Subcharts.gatehouse.
check('a parent chart includes gatehouse.sidecar and gatehouse.sidecar.volumes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-parent-'));
  try {
    cpSync(CHART_DIR, join(dir, 'charts/gatehouse'), { recursive: true });
    mkdirSync(join(dir, 'templates'));
    writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: scoring-api\nversion: 1.0.0\n');
    const sidecar = valuesWith('sidecar-values.yaml');
    writeFileSync(
      join(dir, 'values.yaml'),
      stringify({
        gatehouse: {
          mode: 'sidecar',
          sidecar: { apiNode: { enabled: false } },
          secretFiles: sidecar.secretFiles,
          config: sidecar.config,
        },
      }),
    );
    writeFileSync(
      join(dir, 'templates/deployment.yaml'),
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata:',
        '  name: {{ .Release.Name }}-scoring',
        'spec:',
        '  selector: {matchLabels: {app: scoring}}',
        '  template:',
        '    metadata: {labels: {app: scoring}}',
        '    spec:',
        '      terminationGracePeriodSeconds: 40',
        '      containers:',
        '        - name: scoring',
        '          image: registry.example.com/scoring:1.0',
        '        {{- include "gatehouse.sidecar" .Subcharts.gatehouse | nindent 8 }}',
        '      volumes:',
        '        {{- include "gatehouse.sidecar.volumes" .Subcharts.gatehouse | nindent 8 }}',
        '',
      ].join('\n'),
    );
    const rendered = helm(['template', RELEASE, dir]);
    assert.equal(rendered.status, 0, rendered.out);
    const objects = parseAllDocuments(rendered.out)
      .map((d) => d.toJS() as K8sObject | null)
      .filter((o): o is K8sObject => o !== null);
    assert.deepEqual(objects.map((o) => o.kind).sort(), ['ConfigMap', 'Deployment']);
    for (const object of objects) MODELS[`${object.apiVersion}/${object.kind}`]?.(object);
    const deployment = objects.find((o) => o.kind === 'Deployment') as unknown as {
      spec: {
        template: {
          spec: {
            containers: Container[];
            volumes: { projected?: { sources: { configMap?: { name: string } }[] } }[];
          };
        };
      };
    };
    const pod = deployment.spec.template.spec;
    assert.deepEqual(
      pod.containers.map((c) => c.name),
      ['scoring', 'gatehouse'],
    );
    const configMap = objects.find((o) => o.kind === 'ConfigMap');
    assert.equal(pod.volumes[0]?.projected?.sources[0]?.configMap?.name, configMap?.metadata.name);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

console.log(failures === 0 ? 'helm checks: all passed' : `helm checks: ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
