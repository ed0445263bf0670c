/** Configs shared by the traffic-policy tests: one deployment behind API keys. */
import { hashApiKey } from '../../src/auth/api-key-hash.js';
import type { ConfigObject } from '../helpers/gatehouse.js';

export const KEYS = {
  alice: 'gh_alice_key_0000000001',
  bob: 'gh_bob_key_0000000002',
  partner: 'gh_partner_key_03',
};

export const BASE_PATH = '/public/api/v1/svc';

/** A deployment `dep` of service `svc` reached with API keys alice, bob and partner (group `partners`). */
export function apiKeyConfig(
  nodes: readonly string[],
  deployment: ConfigObject = {},
  auth: ConfigObject = {},
  rest: ConfigObject = {},
): ConfigObject {
  return {
    ...rest,
    infrastructures: [{ id: 'infra', stage: 'dev', nodes }],
    services: [
      {
        id: 'svc',
        versions: [
          {
            id: 'v1',
            auth: {
              methods: ['apiKeys'],
              apiKeys: {
                keys: [
                  { id: 'alice', hash: hashApiKey(KEYS.alice) },
                  { id: 'bob', hash: hashApiKey(KEYS.bob) },
                  { id: 'partner', hash: hashApiKey(KEYS.partner), groups: ['partners'] },
                ],
              },
              ...auth,
            },
          },
        ],
      },
    ],
    deployments: [{ id: 'dep', service: 'svc', version: 'v1', infrastructure: 'infra', ...deployment }],
  };
}

export const withKey = (key: string, extra: Record<string, string> = {}): Record<string, string> => ({
  'x-api-key': key,
  ...extra,
});

/** Failed-credential throttling the tests can reach quickly, behind 127.0.0.1 as the trusted proxy. */
export const THROTTLED_SERVER: ConfigObject = {
  server: {
    dataPlane: {
      trustProxy: ['127.0.0.1'],
      failedCredentials: { windowSec: 60, slowAfter: 100, maxFailures: 3, cooldownSec: 120 },
    },
  },
};
