/**
 * Worker-thread entry: parses a large configuration file's YAML off the event loop and
 * sends it back as v8-serialized slices (the head of the document with its long lists
 * emptied, then the lists in CONFIG_SLICE items each), so that the main thread can
 * deserialize one slice per turn of its event loop instead of the whole document at once.
 */
import { serialize } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { CONFIG_SLICE } from './yield.js';
import { readConfigYaml } from './yaml.js';
import type { YamlSlices, YamlWorkerInput } from './yaml-off-thread.js';

const input = workerData as YamlWorkerInput;
const reading = readConfigYaml(input.text, input.source);
let answer: YamlSlices;
if (!reading.ok) answer = { ok: false, issues: reading.issues };
else {
  const head: Record<string, unknown> = { ...reading.value };
  const lists: YamlSlices & { ok: true } = { ok: true, head: new Uint8Array(), lists: [] };
  for (const key of input.listKeys) {
    const items = head[key];
    if (!Array.isArray(items)) continue;
    head[key] = [];
    const slices: Uint8Array[] = [];
    for (let i = 0; i < items.length; i += CONFIG_SLICE)
      slices.push(serialize(items.slice(i, i + CONFIG_SLICE)));
    lists.lists.push({ key, slices });
  }
  answer = { ...lists, head: serialize(head) };
}
const buffers = answer.ok ? [answer.head, ...answer.lists.flatMap((l) => l.slices)] : [];
parentPort?.postMessage(
  answer,
  buffers.map((b) => b.buffer as ArrayBuffer),
);
