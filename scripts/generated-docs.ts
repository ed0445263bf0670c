/**
 * Files generated from the code: docs/errors.md (the error catalogue),
 * config/gatehouse.schema.json (the configuration's JSON Schema, for editors) and the
 * tables of docs/configuration.md (from the same schema's descriptions; the prose
 * around them is hand-written, see config-doc.ts).
 * `npx tsx scripts/generated-docs.ts --write` regenerates them; a test fails when they drift.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ERROR_CATALOGUE } from '../src/errors.js';
import { renderConfigurationDoc } from './config-doc.js';
import { configJsonSchema } from './config-json-schema.js';

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
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

const CONFIGURATION_DOC = 'docs/configuration.md';

/** docs/configuration.md with its generated tables filled in; the page itself is the template. */
export function renderConfigurationPage(): Promise<string> {
  return renderConfigurationDoc(
    readFileSync(CONFIGURATION_DOC, 'utf8'),
    configJsonSchema(),
    CONFIGURATION_DOC,
  );
}

export const GENERATED_FILES: Record<string, () => string | Promise<string>> = {
  'docs/errors.md': renderErrorsDoc,
  'config/gatehouse.schema.json': renderConfigSchema,
  [CONFIGURATION_DOC]: renderConfigurationPage,
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && process.argv.includes('--write')) {
  for (const [path, render] of Object.entries(GENERATED_FILES)) {
    writeFileSync(path, await render());
    console.log(`wrote ${path}`);
  }
}
