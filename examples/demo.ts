/**
 * `npm start`: two example API nodes on 127.0.0.1:9001-9002 and Gatehouse with
 * config/gatehouse.yaml in front of them, then curl commands that work.
 */
import type { Server } from 'node:http';
import { runUntilSignalled } from '../src/cli/start.js';
import { Gatehouse } from '../src/gatehouse.js';
import { startApiNode } from './api-node.js';

const configPath = process.env.GATEHOUSE_CONFIG ?? 'config/gatehouse.yaml';
const nodes: Server[] = [await startApiNode('node-a', 9001), await startApiNode('node-b', 9002)];
const gatehouse = await Gatehouse.start({ configPath });
const base = gatehouse.dataPlaneUrl.replace('127.0.0.1', 'localhost');

console.log(`
Gatehouse is running with ${configPath}
  data plane  ${gatehouse.dataPlaneUrl}
  admin/ops   ${gatehouse.adminUrl}  (/healthz /readyz /metrics)
  API nodes   http://127.0.0.1:9001 http://127.0.0.1:9002

Try:
  curl -i ${base}/public/api/v1/credit-scoring/predict
  curl -i ${base}/public/api/v1/unknown        # 404 no_deployment

Ctrl-C drains and stops.
`);

await runUntilSignalled(gatehouse);
await Promise.all(nodes.map((n) => new Promise((resolve) => n.close(resolve))));
