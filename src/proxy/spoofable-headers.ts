/**
 * Inbound headers removed by default before forwarding, beyond Gatehouse's own identity
 * headers: identity, client-certificate, client-address and URL/method-override headers
 * that other proxies set and that applications behind them commonly trust. A client
 * could otherwise claim an identity, a certificate, an address or another URL/method to
 * an upstream that was written for (or moved from) such a proxy. A deployment may keep
 * some (`headers.keepInbound`) or strip more (`headers.stripInbound`). Names are folded
 * (lower case, `_` read as `-`); an entry ending in `*` is a prefix family.
 */
export const DEFAULT_STRIPPED_INBOUND: readonly string[] = [
  // Identity asserted by authenticating proxies.
  'x-forwarded-user', // oauth2-proxy, many SSO proxies
  'x-forwarded-email',
  'x-forwarded-preferred-username',
  'x-forwarded-groups',
  'x-forwarded-access-token',
  'x-auth-request-*', // oauth2-proxy in auth_request mode
  'x-remote-user', // Apache/nginx REMOTE_USER conventions
  'remote-user',
  'x-webauth-user', // Grafana and others' auth-proxy mode
  'x-amzn-oidc-*', // AWS ALB OIDC
  'x-goog-authenticated-user-*', // Google IAP
  'x-goog-iap-jwt-assertion',
  'cf-access-authenticated-user-email', // Cloudflare Access
  'cf-access-jwt-assertion',
  'x-ms-client-principal*', // Azure App Service authentication
  'x-ms-token-*',
  // Client certificates asserted by TLS-terminating proxies.
  'x-forwarded-client-cert', // Envoy XFCC
  'x-ssl-client-*', // nginx/HAProxy conventions (cert, verify, DN…)
  'x-arr-clientcert', // Azure ARR
  'x-amzn-mtls-*', // AWS ALB mTLS
  // Client address (Gatehouse sends X-Forwarded-For/Forwarded under its trust setting).
  'x-real-ip',
  'true-client-ip',
  'x-client-ip',
  'x-cluster-client-ip',
  'cf-connecting-ip',
  'fastly-client-ip',
  // URL, scheme and method overrides.
  'x-original-url', // IIS, Symfony, Laravel
  'x-rewrite-url',
  'x-original-uri', // nginx auth_request conventions
  'x-original-method',
  'x-http-method*', // X-HTTP-Method-Override, X-HTTP-Method
  'x-method-override',
  'x-forwarded-prefix', // Spring, Traefik
  'x-forwarded-port',
  'x-forwarded-ssl', // Rack/Rails
  'x-forwarded-scheme',
  'x-forwarded-server',
  'x-url-scheme',
  'front-end-https',
];

/** A header name compared the way CGI/WSGI/PHP servers do: lower case, `_` read as `-`. */
export function foldHeaderName(name: string): string {
  const lower = name.toLowerCase();
  return lower.indexOf('_') === -1 ? lower : lower.replaceAll('_', '-');
}
