/**
 * TLS settings of the config schema: a listener's `tls` block (data plane and admin: a
 * cert folder or explicit files, client certificates, protocol floor) and an
 * infrastructure's upstream `tls` block (CA, client certificate for upstream mTLS, SNI).
 * Files are named by path, never inlined, so a changed file can be reloaded; relative
 * paths are relative to the config file's folder. Every key carries its `.describe()`.
 */
import { z } from 'zod';
import { ONLY_IF_VALID } from './refine.js';

/** A PEM file: its path, or `{file: PATH}` like the secret references elsewhere. */
const pemFileSchema = z
  .union(
    [
      z.string().min(1),
      z.strictObject({
        file: z.string().min(1).describe("Path of the PEM file, relative to the config file's folder."),
      }),
    ],
    { error: 'must be a file path or {file: PATH}' },
  )
  .transform((ref) => (typeof ref === 'string' ? ref : ref.file));

export const CLIENT_CERTIFICATE_MODES = ['off', 'optional', 'required'] as const;
export type ClientCertificateMode = (typeof CLIENT_CERTIFICATE_MODES)[number];

export const listenerTlsSchema = z
  .strictObject({
    certFolder: z
      .string()
      .min(1)
      .optional()
      .describe(
        "A folder holding `server.crt` (the certificate, chain allowed), `server.key` and, for client certificates, `ca.crt` and optionally `crl.pem`. Watched: replaced files (a Kubernetes Secret's symlink swap) are served to new connections within `reloadCheckMs`.",
      ),
    cert: pemFileSchema
      .optional()
      .describe(
        'The server certificate (PEM, leaf first, chain allowed); overrides `certFolder`/server.crt.',
      ),
    key: pemFileSchema.optional().describe('The private key (PEM); overrides `certFolder`/server.key.'),
    ca: pemFileSchema
      .optional()
      .describe('CA certificates client certificates must chain to (PEM); overrides `certFolder`/ca.crt.'),
    crl: pemFileSchema
      .optional()
      .describe(
        'Certificate revocation list(s) (PEM); a revoked client certificate is refused. Overrides `certFolder`/crl.pem (used when present).',
      ),
    clientCertificates: z
      .enum(CLIENT_CERTIFICATE_MODES)
      .default('off')
      .describe(
        '`off`: none asked for. `optional`: asked for, and checked by method `mtls` (a client without one can use other methods). `required`: a client without a valid certificate of the CA is refused in the TLS handshake (docs/tls.md says why).',
      ),
    minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2').describe('Oldest TLS version accepted.'),
    ciphers: z
      .string()
      .min(1)
      .optional()
      .describe(
        "OpenSSL cipher list for TLS 1.2 (TLS 1.3 suites are OpenSSL's); absent: Node's default list.",
      ),
    reloadCheckMs: z
      .number()
      .int()
      .min(100)
      .max(3_600_000)
      .default(2_000)
      .describe(
        'How often the certificate files are checked for changes (SIGHUP checks at once). A broken new set is refused with a log line and `gatehouse_tls_reloads_total{result="failure"}`; the old one keeps serving.',
      ),
  })
  .superRefine((tls, ctx) => {
    if (!tls.certFolder && (!tls.cert || !tls.key))
      ctx.addIssue({ code: 'custom', message: 'give certFolder, or both cert and key' });
  }, ONLY_IF_VALID);

export const dataPlaneTlsSchema = listenerTlsSchema.safeExtend({
  http2: z
    .boolean()
    .default(true)
    .describe('Offer HTTP/2 by ALPN (`h2`), HTTP/1.1 otherwise; `false`: HTTP/1.1 only.'),
});

export type ListenerTlsConfig = z.infer<typeof listenerTlsSchema>;
export type DataPlaneTlsConfig = z.infer<typeof dataPlaneTlsSchema>;

export const upstreamTlsSchema = z
  .strictObject({
    certFolder: z
      .string()
      .min(1)
      .optional()
      .describe(
        'A folder in the layout Manta clients use: `ca.crt` (trusted CAs, optional), `client.crt` and `client.key` (client certificate for upstream mTLS, optional, together).',
      ),
    ca: pemFileSchema
      .optional()
      .describe("CA certificates the nodes' certificates must chain to (PEM); absent: the system roots."),
    clientCert: pemFileSchema
      .optional()
      .describe('Client certificate presented to the nodes (PEM, chain allowed); needs `clientKey`.'),
    clientKey: pemFileSchema.optional().describe('Private key of `clientCert` (PEM).'),
    servername: z
      .string()
      .min(1)
      .max(253)
      .optional()
      .describe(
        "Server name sent by SNI and checked in the node's certificate, instead of the node URL's host.",
      ),
    insecureSkipVerify: z
      .boolean()
      .default(false)
      .describe(
        "Do not verify the nodes' certificates (development only; a warning is logged at every start and reload).",
      ),
  })
  .superRefine((tls, ctx) => {
    if ((tls.clientCert === undefined) !== (tls.clientKey === undefined))
      ctx.addIssue({ code: 'custom', message: 'clientCert and clientKey go together' });
  }, ONLY_IF_VALID);

export type UpstreamTlsConfig = z.infer<typeof upstreamTlsSchema>;
