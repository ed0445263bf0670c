export interface GroupRequirement {
  /** At least one of these (ignored when empty). */
  readonly anyOf: readonly string[];
  /** Every one of these. */
  readonly allOf: readonly string[];
}

export function groupsSatisfy(groups: ReadonlySet<string>, requirement: GroupRequirement): boolean {
  if (requirement.allOf.some((g) => !groups.has(g))) return false;
  if (requirement.anyOf.length > 0 && !requirement.anyOf.some((g) => groups.has(g))) return false;
  return true;
}

/** Groups from a claim: an array of strings, or a single string. */
export function groupsFromClaim(value: unknown): string[] | undefined {
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === 'string' && g !== '');
  return undefined;
}
