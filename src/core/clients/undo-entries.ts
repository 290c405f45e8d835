// Undo for a file its client rewrote since we routed it (Claude Code rewrites ~/.claude.json on every
// start): not the whole file back, which would lose the client's own changes, but each value we wrote put
// back to what it was — only where the file still holds exactly what we wrote.
import { isDeepStrictEqual } from 'node:util';
import { applyEdits, modify, parse as parseJsonc } from 'jsonc-parser';
import { isObj } from './descriptor';
import { formattingOf } from './plan';
import { parseToml, patchToml } from './toml';
import type { ConfigFormat } from './entries';

/** One value we wrote: where, what was there before (absent: nothing), and what we put. */
export interface JournalChange {
  path: (string | number)[];
  before?: unknown;
  after: unknown;
}

function valueAt(doc: unknown, keys: readonly (string | number)[]): unknown {
  let cur = doc;
  for (const k of keys) cur = isObj(cur) ? cur[String(k)] : Array.isArray(cur) ? cur[Number(k)] : undefined;
  return cur;
}

export function formatOf(file: string): ConfigFormat {
  return file.endsWith('.toml') ? 'toml' : 'jsonc';
}

/**
 * The text with our values reverted, and how many were; `undefined` when none of them is still there
 * as we wrote it (the user or the client changed them: theirs now).
 */
export function revertChanges(
  text: string,
  format: ConfigFormat,
  changes: readonly JournalChange[],
): { text: string; reverted: number; left: number } | undefined {
  const doc: unknown = format === 'toml' ? parseToml(text) : parseJsonc(text);
  const ours = changes.filter((c) => isDeepStrictEqual(valueAt(doc, c.path), c.after));
  if (ours.length === 0) return undefined;
  let out = text;
  if (format === 'toml') {
    const next = structuredClone(doc);
    // A TOML document is a table at the top level.
    if (!isObj(next)) return undefined;
    for (const c of ours) {
      const parent = valueAt(next, c.path.slice(0, -1));
      if (!isObj(parent)) continue;
      if (c.before === undefined) delete parent[String(c.path.at(-1))];
      else parent[String(c.path.at(-1))] = c.before;
    }
    out = patchToml(text, next);
  } else {
    const formattingOptions = formattingOf(text);
    for (const c of ours) out = applyEdits(out, modify(out, c.path, c.before, { formattingOptions }));
  }
  return { text: out, reverted: ours.length, left: changes.length - ours.length };
}

/** The values an edit writes, with what each path held before. */
export function journalChanges(
  beforeText: string,
  format: ConfigFormat,
  changes: readonly { path: (string | number)[]; value: unknown }[],
): JournalChange[] {
  let doc: unknown;
  try {
    doc = format === 'toml' ? parseToml(beforeText) : parseJsonc(beforeText);
  } catch {
    return [];
  }
  return changes.map((c) => {
    const before = valueAt(doc, c.path);
    return { path: c.path, ...(before !== undefined ? { before } : {}), after: c.value };
  });
}
