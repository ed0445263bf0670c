/**
 * Id ordering shared by every backend: UTF-8 byte order, which is Unicode code-point
 * order (SQLite's BINARY collation, Redis ZRANGEBYLEX). JavaScript's `<` compares
 * UTF-16 code units and differs above U+FFFF, so the memory backend uses this.
 */
export function compareIds(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * The smallest string greater than every string that starts with `prefix`, or undefined
 * when none exists (a prefix of only U+10FFFF). Turns a prefix scan into an index range.
 */
export function prefixEnd(prefix: string): string | undefined {
  const points = Array.from(prefix);
  while (points.length > 0) {
    const last = points.pop() ?? '';
    let code = (last.codePointAt(0) ?? 0) + 1;
    if (code === 0xd800) code = 0xe000; // skip the surrogate range
    if (code <= 0x10ffff) return points.join('') + String.fromCodePoint(code);
  }
  return undefined;
}

/** Ids from `lower` (inclusive or not) up to `upper` (exclusive, none when undefined). */
export interface IdRange {
  readonly lower: string;
  readonly lowerInclusive: boolean;
  readonly upper: string | undefined;
}

/** The ids a list with `prefix` ('' for all) after the cursor `after` covers. */
export function idRange(prefix: string, after: string | undefined): IdRange {
  const upper = prefix === '' ? undefined : prefixEnd(prefix);
  return after !== undefined && compareIds(after, prefix) >= 0
    ? { lower: after, lowerInclusive: false, upper }
    : { lower: prefix, lowerInclusive: true, upper };
}
