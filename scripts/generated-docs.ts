/**
 * Files generated from the code: docs/errors.md (the error catalogue) and
 * config/gatehouse.schema.json (the configuration's JSON Schema, for editors).
 * `npx tsx scripts/generated-docs.ts --write` regenerates them; a test fails when they drift.
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { createConfigSchema } from '../src/config/schema.js';
import { ERROR_CATALOGUE } from '../src/errors.js';

export function renderErrorsDoc(): string {
  const rows = Object.entries(ERROR_CATALOGUE)
    .sort(([, a], [, b]) => a.status - b.status)
    .map(([code, def]) => `| \`${code}\` | ${def.status} | ${def.plane} | ${def.message} |`);
  return [
    '# Error codes',
    '',
    '<!-- Generated from src/errors.ts by scripts/generated-docs.ts; do not edit by hand. -->',
    '',
    'Every error Gatehouse answers with is JSON: `{"error": "<code>", "message": "<text>", "requestId": "<id>"}`',
    '(control-plane validation errors add `details`). The `X-Request-Id` header carries the same id.',
    '401 answers carry `WWW-Authenticate: Bearer realm="gatehouse", error="...", error_description="..."`',
    '(RFC 6750), plus `Basic realm="gatehouse"` where API keys are accepted through Basic; 403',
    '`insufficient_scope` adds `scope="..."`; 429, 503 `auth_unavailable` and 503 `unavailable` from a',
    'state-store outage carry `Retry-After`.',
    'Messages never contain a credential, a secret or a stack trace.',
    '',
    '| Code | Status | Plane | Default message |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

export function renderConfigSchema(): string {
  const schema = createConfigSchema({ baseDir: '.', env: {} });
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...json, title: 'Gatehouse configuration' }, null, 2)}\n`;
}

export const GENERATED_FILES: Record<string, () => string> = {
  'docs/errors.md': renderErrorsDoc,
  'config/gatehouse.schema.json': renderConfigSchema,
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && process.argv.includes('--write')) {
  for (const [path, render] of Object.entries(GENERATED_FILES)) {
    writeFileSync(path, render());
    console.log(`wrote ${path}`);
  }
}
