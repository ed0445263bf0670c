/**
 * The guard every cross-field refinement of the config schema runs under. Zod runs an
 * object's refinements even when one of its fields failed a "continuable" check (a
 * too-short string, a bad regex, a URL format), and a field whose value goes through a
 * pipe (a `{env}`/`{file}` secret reference, a lower-cased hash) then still holds the raw
 * input: `{file: ""}` where a string was expected. A refinement that trusted its types
 * would throw a bare TypeError with no key path. Under this guard it runs only once
 * every field of its value is valid; the field's own issue already names the key path.
 */
import type { z } from 'zod';

export const ONLY_IF_VALID = {
  when: (payload: z.core.ParsePayload): boolean => payload.issues.length === 0,
};
