// Validation against the MCP spec's own schemas (the v2 SDK's), for every layer that reads messages.
import { specTypeSchemas, type SpecTypeName, type SpecTypes } from '@modelcontextprotocol/client';

/** `value` as the spec type `name`, or undefined when it is not one. */
export function asSpecType<K extends SpecTypeName>(name: K, value: unknown): SpecTypes[K] | undefined {
  const result = specTypeSchemas[name]['~standard'].validate(value);
  return result.issues === undefined ? (result.value as SpecTypes[K]) : undefined;
}
