import { send } from './http.js';

/** The Prometheus text from the admin plane's /metrics. */
export async function scrapeMetrics(adminUrl: string): Promise<string> {
  const res = await send(adminUrl, '/metrics');
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return res.text;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const m of text.matchAll(re)) labels[m[1] as string] = (m[2] as string).replace(/\\(.)/g, '$1');
  return labels;
}

/**
 * The value of the sample `name` whose labels include every given label, or undefined
 * when there is none. Several matching samples are summed (e.g. over status classes).
 */
export function metricValue(
  text: string,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number | undefined {
  let total: number | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    let labelText = '';
    let valueText: string;
    if (rest.startsWith('{')) {
      const close = rest.lastIndexOf('}');
      labelText = rest.slice(1, close);
      valueText = rest.slice(close + 1).trim();
    } else if (rest.startsWith(' ')) valueText = rest.trim();
    else continue;
    const sample = parseLabels(labelText);
    if (Object.entries(labels).every(([k, v]) => sample[k] === v))
      total = (total ?? 0) + Number(valueText.split(' ')[0]);
  }
  return total;
}

export async function readMetric(
  adminUrl: string,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<number | undefined> {
  return metricValue(await scrapeMetrics(adminUrl), name, labels);
}
