/**
 * `npm start`: two example API nodes on 127.0.0.1:9001-9002 and Gatehouse with
 * config/gatehouse.yaml in front of them, then curl commands that work.
 */
import type { Server } from 'node:http';
import { runUntilSignalled } from '../src/cli/start.js';
import { Gatehouse } from '../src/gatehouse.js';
import { startApiNode } from './api-node.js';

const configPath = process.env.GATEHOUSE_CONFIG ?? 'config/gatehouse.yaml';
/** The example config accepts this key (its hash is in config/gatehouse.yaml). Demo only. */
const DEMO_API_KEY = 'ghk_demoKeyDoNotUseInProduction00000000000000000';
const nodes: Server[] = [await startApiNode('node-a', 9001), await startApiNode('node-b', 9002)];
const gatehouse = await Gatehouse.start({ configPath });
const base = gatehouse.dataPlaneUrl.replace('127.0.0.1', 'localhost');

const admin = gatehouse.adminUrl;
console.log(`
Gatehouse is running with ${configPath}
  data plane  ${gatehouse.dataPlaneUrl}
  admin/ops   ${admin}  (/healthz /readyz /metrics /openapi.json, admin API under /api/v1)
  API nodes   http://127.0.0.1:9001 http://127.0.0.1:9002

Try:
  curl -i ${base}/public/api/v1/credit-scoring/predict                 # public: 200
  curl -i ${base}/public/api/v1/fraud-detection/score                  # 401 missing_credentials
  curl -i -H 'X-API-Key: ${DEMO_API_KEY}' \\
       ${base}/public/api/v1/fraud-detection/score                     # 200, X-Auth-Key-Id reaches the node
  curl -i ${base}/public/api/v1/unknown                                # 404 no_deployment

Admin API (in another terminal):
  npx gatehouse admin-key-create --label me --config ${configPath}    # prints an admin key once
  curl -s -H 'Authorization: Bearer <that key>' ${admin}/api/v1/deployments

Ctrl-C drains and stops.
`);

await runUntilSignalled(gatehouse);
await Promise.all(nodes.map((n) => new Promise((resolve) => n.close(resolve))));
