// Every CLI `--json` line a test reads goes through here: it must match the one schema
// (src/core/json-lines.ts), or the test fails with the field that broke it.
import { parseJsonLine } from '../../src/core/json-lines';

export type SeenLine = Record<string, unknown> & { type: string; t: string };

/** Parses one line of CLI output and validates it; throws (failing the test) when it breaks the schema. */
export function readJsonLine(text: string): SeenLine {
  return parseJsonLine(text) as unknown as SeenLine;
}
