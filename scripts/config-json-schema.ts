/**
 * The configuration's JSON Schema, built from the zod schema (src/config/schema.ts):
 * written to config/gatehouse.schema.json for editors, and read by the generator of
 * docs/configuration.md. Every key's description comes from its `.describe()` text.
 */
import { z } from 'zod';
import { createConfigSchema } from '../src/config/schema.js';

/** The parts of a JSON Schema (draft 2020-12) node that zod emits and the docs read. */
export interface JsonSchema {
  readonly type?: string;
  readonly description?: string;
  readonly default?: unknown;
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema | false;
  readonly prefixItems?: readonly JsonSchema[];
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly additionalProperties?: JsonSchema | boolean;
  readonly propertyNames?: JsonSchema;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly pattern?: string;
  readonly format?: string;
}

/**
 * zod leaves `default` out of an input-side schema whose inner schema transforms (the
 * `[]` of `deployments`, the `inherit` of `deployments[].auth`): the default is an
 * output value, which need not be valid input. Put it back where it is valid input, so
 * editors and the docs show every default.
 */
function restoreDefaults(ctx: {
  zodSchema: z.core.$ZodTypes;
  jsonSchema: z.core.JSONSchema.BaseSchema;
}): void {
  const def = ctx.zodSchema._zod.def;
  if (def.type !== 'default' || 'default' in ctx.jsonSchema) return;
  const { innerType, defaultValue } = def;
  if (z.safeParse(innerType, defaultValue).success) ctx.jsonSchema.default = defaultValue;
}

/** The configuration's JSON Schema, as a plain object. */
export function configJsonSchema(): JsonSchema {
  const schema = createConfigSchema({ baseDir: '.', env: {} });
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', override: restoreDefaults });
  return { ...json, title: 'Gatehouse configuration' } as JsonSchema;
}
