/**
 * The two valid configurations the corpus (corpus.ts) is generated from: the bundled
 * example (config/gatehouse.yaml, with test listeners and a memory store) and a richer
 * fixture (every provider type, keys by reference and inline, API keys, overrides, admin
 * providers), and the key material and secrets they refer to, generated per run.
 */
import { createHash, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CorpusMaterial {
  /** Folder of every corpus file and of the files they reference ({file: ...}). */
  readonly dir: string;
  readonly env: Record<string, string>;
  /** Secret values and key material: none may ever appear in a message. */
  readonly secrets: readonly string[];
  readonly ecJwk: Record<string, unknown>;
}

const spki = (key: KeyObject): string => key.export({ format: 'pem', type: 'spki' }) as string;
const pkcs8 = (key: KeyObject): string => key.export({ format: 'pem', type: 'pkcs8' }) as string;

/** 16-character pieces of a PEM body (enough to recognise it, too short to be noise). */
function pemPieces(pem: string): string[] {
  const body = pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s/g, '');
  const out: string[] = [];
  for (let i = 0; i + 16 <= body.length; i += 32) out.push(body.slice(i, i + 16));
  return out;
}

/** Generates the keys and secrets the corpus refers to, and writes the referenced files. */
export function prepareCorpus(): CorpusMaterial {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-corpus-'));
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ec384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const signing = generateKeyPairSync('ed25519');
  const hmacSecret = randomBytes(48).toString('base64url');
  const files: Record<string, string> = {
    'rsa.pub.pem': spki(rsa.publicKey),
    'rsa.key.pem': pkcs8(rsa.privateKey),
    'weak.pub.pem': spki(weak.publicKey),
    'ec384.pub.pem': spki(ec384.publicKey),
    'garbage.pem': '-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n',
    'signing.key.pem': pkcs8(signing.privateKey),
    'signing.pub.pem': spki(signing.publicKey),
    'empty.txt': '\n',
  };
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return {
    dir,
    env: { CORPUS_HMAC_SECRET: hmacSecret, CORPUS_SHORT_SECRET: 'short-secret-value-7f3a' },
    secrets: [
      hmacSecret,
      'short-secret-value-7f3a',
      'inline-secret-never-shown-91c2',
      ...pemPieces(files['rsa.key.pem'] as string),
      ...pemPieces(files['signing.key.pem'] as string),
      ...pemPieces(pkcs8(ec.privateKey)),
    ],
    ecJwk: { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1', use: 'sig' },
  };
}

/** The bundled example with test listeners (port 0, one line, first) and a memory store. */
export function exampleConfig(): string {
  const text = readFileSync('config/gatehouse.yaml', 'utf8');
  const server = text.indexOf('\nserver:\n');
  const logging = text.indexOf('\nlogging:\n');
  const store = text.indexOf('\n# State');
  const tokens = text.indexOf('\n# Gatehouse');
  if (server < 0 || logging < 0 || store < 0 || tokens < 0)
    throw new Error('config/gatehouse.yaml changed shape');
  // Listener settings on one line, before anything else: every truncation that parses
  // listens on ports chosen by the system, never on 8080/9090.
  return [
    text.slice(0, server + 1),
    'server: {dataPlane: {host: 127.0.0.1, port: 0}, admin: {host: 127.0.0.1, port: 0}, reload: {watch: false}}\n',
    'store: {type: memory}\n',
    text.slice(logging + 1, store + 1),
    text.slice(tokens + 1),
  ].join('');
}

export function richConfig(m: CorpusMaterial, jwksUri: string, upstream: string): string {
  const hash = `sha256:${createHash('sha256').update('corpus-api-key').digest('hex')}`;
  return `# The corpus's rich fixture: every provider type, keys, API keys, overrides.
server: {dataPlane: {host: 127.0.0.1, port: 0}, admin: {host: 127.0.0.1, port: 0, providers: [idp-jwks]}, reload: {watch: false}}
store: {type: memory}
logging:
  level: info
  accessLog: false
tokens:
  issuer: corpus-gatehouse
  jwtLifetimeSec: 300
  signing:
    keys:
      - kid: sign-1
        algorithm: EdDSA
        privateKey: {file: signing.key.pem}
    activeKid: sign-1
providers:
  - id: idp-hmac
    type: hmac
    issuer: https://hmac.example
    audiences: [api]
    algorithms: [HS256]
    secrets:
      - kid: h1
        secret: {env: CORPUS_HMAC_SECRET}
  - id: idp-pem
    type: publicKey
    issuer: https://pem.example
    audiences: [api, other]
    algorithms: [RS256, ES256]
    keys:
      - kid: rsa-1
        pem: {file: rsa.pub.pem}
      - kid: ec-1
        jwk: ${JSON.stringify(m.ecJwk)}
  - id: idp-jwks
    type: jwks
    issuer: https://jwks.example
    audiences: [api]
    jwksUri: ${jwksUri}
    jwks:
      cacheMaxAgeSec: 600
      fetchTimeoutMs: 1000
groups:
  - id: analysts
    scopes: [orders:read]
infrastructures:
  - id: infra-a
    stage: dev
    nodes:
      - ${upstream}
      - url: ${upstream}
        weight: 2
    timeouts:
      connectMs: 1000
      responseMs: 5000
services:
  - id: orders
    owner: team-a
    versions:
      - id: v1
        auth:
          methods: [jwt, apiKeys]
          jwt:
            providers: [idp-hmac, idp-pem]
          apiKeys:
            header: X-API-Key
            keys:
              - id: key-1
                hash: ${hash}
                scopes: [orders:read]
          require:
            scopes: [orders:read]
          claimHeaders:
            X-User-Email: email
  - id: reports
    versions:
      - id: v1
        auth:
          methods: [gatehouse, jwt]
          jwt:
            providers: [idp-jwks]
deployments:
  - id: orders-dev
    service: orders
    version: v1
    infrastructure: infra-a
    basePath: /orders
  - id: reports-dev
    service: reports
    version: v1
    infrastructure: infra-a
    host: reports.example.com
    auth:
      methods: [public]
    timeouts:
      responseMs: 2000
`;
}
