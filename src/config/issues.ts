/**
 * Configuration problems, each located by its key path (e.g. `deployments[2].version`),
 * and the error that carries them. Zod issues are turned into these here.
 */
import type { z } from 'zod';

/** A problem in a configuration, located by its key path (e.g. `deployments[2].version`). */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  constructor(source: string, issues: readonly ConfigIssue[]) {
    super(`${source}: ${issues.length} configuration error(s)\n${formatIssues(issues)}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export function formatKeyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((i) => `  ${i.path}: ${i.message}`).join('\n');
}

/**
 * A zod issue as config issues. A union none of whose options matched ("Invalid input")
 * is replaced by the problems of the one option the value was evidently meant for: the
 * only option whose problems all lie inside the value (a `{pem: {file: ...}}` key whose
 * file is empty is a `pem` key with a bad file, not a `jwk` key with a stray `pem`).
 */
export function issuesFromZod(issue: z.core.$ZodIssue, base: readonly PropertyKey[] = []): ConfigIssue[] {
  const path = [...base, ...issue.path];
  if (issue.code === 'invalid_union') {
    const meant = issue.errors.filter(
      (option) => option.length > 0 && option.every((i) => i.path.length > 0),
    );
    if (meant.length === 1) return (meant[0] ?? []).flatMap((i) => issuesFromZod(i, path));
  }
  return [{ path: formatKeyPath(path), message: issue.message }];
}
