// The MCP spec's shapes checked with the v2 SDK's own validators (specTypeSchemas), in one place.
import { specTypeSchemas, type SpecTypeName, type SpecTypes } from '@modelcontextprotocol/server';

/** `value` as the spec type `name`, or undefined when it is not one. */
export function asSpecType<K extends SpecTypeName>(name: K, value: unknown): SpecTypes[K] | undefined {
  const result = specTypeSchemas[name]['~standard'].validate(value);
  return result.issues === undefined ? (result.value as SpecTypes[K]) : undefined;
}
