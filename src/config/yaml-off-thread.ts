/**
 * readConfigYaml for large files without stalling the event loop: js-yaml parses a
 * 10,000-deployment file in a few hundred milliseconds of one synchronous call, which
 * cannot be sliced, so a file past OFF_THREAD_MIN_CHARS is parsed in a worker thread
 * (yaml-worker.ts). The worker answers in v8-serialized slices that are deserialized here
 * one per turn of the event loop (deserializing the whole document at once costs
 * ~100 ms). Same answers as readConfigYaml: the worker runs it.
 */
import { deserialize } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { ConfigIssue } from './issues.js';
import { readConfigYaml, type YamlReading } from './yaml.js';
import { yieldToEventLoop } from './yield.js';

/** Below this size (~1,000 deployments) the file is parsed in place, within a few ms. */
export const OFF_THREAD_MIN_CHARS = 100_000;

export interface YamlWorkerInput {
  readonly text: string;
  readonly source: string;
  /** Top-level lists sent in slices. */
  readonly listKeys: readonly string[];
}

export type YamlSlices =
  | { readonly ok: false; readonly issues: ConfigIssue[] }
  | {
      readonly ok: true;
      readonly head: Uint8Array;
      readonly lists: { readonly key: string; readonly slices: Uint8Array[] }[];
    };

/** The worker's module next to this one (`.ts` when running from source under tsx). */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(FROM_SOURCE ? './yaml-worker.ts' : './yaml-worker.js', import.meta.url);

function startWorker(input: YamlWorkerInput): Worker {
  // From source (the tests, under tsx), the worker loads its TypeScript through tsx's
  // loader, which Node 20 does not carry into a worker thread by itself.
  if (FROM_SOURCE)
    return new Worker(
      `import('tsx/esm/api').then((tsx) => tsx.tsImport(${JSON.stringify(WORKER_URL.href)}, ${JSON.stringify(import.meta.url)}))`,
      { eval: true, workerData: input },
    );
  return new Worker(WORKER_URL, { workerData: input });
}

function parseInWorker(input: YamlWorkerInput): Promise<YamlSlices> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(input);
    worker.once('message', (answer: YamlSlices) => {
      resolve(answer);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`YAML worker exited (${code})`)));
  });
}

/** readConfigYaml's answer, read without holding the event loop for long. */
export async function readConfigYamlSliced(
  text: string,
  source: string,
  listKeys: readonly string[],
): Promise<YamlReading> {
  if (text.length < OFF_THREAD_MIN_CHARS) return readConfigYaml(text, source);
  let answer: YamlSlices;
  try {
    answer = await parseInWorker({ text, source, listKeys });
  } catch {
    // No worker (resource limits, a broken install): parse in place, slower but correct.
    return readConfigYaml(text, source);
  }
  if (!answer.ok) return answer;
  const value = deserialize(answer.head) as Record<string, unknown>;
  for (const { key, slices } of answer.lists) {
    const items: unknown[] = [];
    for (const slice of slices) {
      await yieldToEventLoop('read');
      for (const item of deserialize(slice) as unknown[]) items.push(item);
    }
    value[key] = items;
  }
  return { ok: true, value };
}
