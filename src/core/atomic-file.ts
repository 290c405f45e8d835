// Files in a state folder (sessions, incidents): written atomically (temp file + rename, mode 0600 in a
// 0700 folder) and, when damaged, set aside next to themselves instead of being overwritten.
import { promises as fs, chmodSync, mkdirSync, renameSync } from 'node:fs';
import { errorMessage } from './narrow';

/** Creates the state folder (0700); the error message, or undefined when it is there. */
export function ensureStateDir(dir: string): string | undefined {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    return undefined;
  } catch (e) {
    return errorMessage(e);
  }
}

/** Writes `text` to `file` so that a reader sees the old or the new content, never a part (mode 0600). */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, text, { mode: 0o600 });
  await fs.chmod(tmp, 0o600);
  await fs.rename(tmp, file);
}

/** The name a damaged file is kept under: `<file>.damaged-<time>`. */
export function damagedName(file: string, at = new Date()): string {
  return `${file}.damaged-${at.toISOString().replace(/[:.]/g, '-')}`;
}

/** Renames a file we do not understand out of the way; the new name, or the error when it could not be moved. */
export function setAsideDamaged(file: string): { aside: string } | { error: string } {
  const aside = damagedName(file);
  try {
    renameSync(file, aside);
    return { aside };
  } catch (e) {
    return { error: errorMessage(e) };
  }
}

/** Words for what a parsed value is, for messages about files that hold the wrong thing. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  return `a ${typeof value}`;
}
