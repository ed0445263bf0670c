/** Two deployments with the same route key would match exactly the same requests. */
export function routeKey(host: string | undefined, basePath: string): string {
  return `${host ?? ''} ${basePath}`;
}
