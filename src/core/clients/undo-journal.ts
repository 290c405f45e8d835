// The undo journal: for each file we rewrote, its original bytes and the hash of what we wrote, kept in our
// state folder (0600: the originals may hold tokens). Undo restores a file only while it holds what we wrote.
import * as path from 'node:path';
import { errorCodeOf } from '../classify';
import { errorMessage, isRecord } from '../narrow';
import { sha256 } from './read';
import type { JournalChange } from './undo-entries';
import { ensureDir, nodeFileOps, writeAtomic, type FileOps } from './write';

export interface JournalFile {
  /** The bytes before our first change, base64. */
  original: string;
  originalHash: string;
  /** sha256 of what we wrote last. */
  writtenHash: string;
  at: string;
  backup?: string;
  /** The values we wrote, for an undo after the client rewrote the file (see undo-entries.ts). */
  changes?: JournalChange[];
}

export interface Journal {
  version: 1;
  files: Record<string, JournalFile>;
}

export const JOURNAL_NAME = 'client-routing-journal.json';

const isOptionalString = (v: unknown): boolean => v === undefined || typeof v === 'string';

function isJournalFile(v: unknown): v is JournalFile {
  if (!isRecord(v) || !isOptionalString(v.backup) || !(v.changes === undefined || Array.isArray(v.changes)))
    return false;
  return [v.original, v.originalHash, v.writtenHash, v.at].every((x) => typeof x === 'string');
}

/** A journal in the layout we write (version 1), each file's record whole. */
function isJournal(v: unknown): v is Journal {
  return isRecord(v) && v.version === 1 && isRecord(v.files) && Object.values(v.files).every(isJournalFile);
}

export class JournalStore {
  readonly file: string;

  constructor(
    readonly dir: string,
    private readonly ops: FileOps = nodeFileOps,
  ) {
    this.file = path.join(dir, JOURNAL_NAME);
  }

  async load(): Promise<Journal> {
    let text: string;
    try {
      text = (await this.ops.readFile(this.file)).toString('utf8');
    } catch (err) {
      if (errorCodeOf(err) === 'ENOENT') return { version: 1, files: {} };
      throw new Error(`the undo journal ${this.file} cannot be read: ${errorCodeOf(err) ?? errorMessage(err)}`);
    }
    try {
      const j: unknown = JSON.parse(text);
      if (!isJournal(j)) throw new Error('unknown layout');
      return j;
    } catch (err) {
      // Never guess: a damaged journal is left where it is for the user to look at.
      throw new Error(`the undo journal ${this.file} is damaged (${errorMessage(err)}); move it away to route again`);
    }
  }

  async save(j: Journal): Promise<void> {
    await ensureDir(this.dir, this.ops);
    await writeAtomic(this.file, `${JSON.stringify(j, null, 2)}\n`, 0o600, this.ops);
  }

  /** Records a write we are about to make. The first change of a round keeps the original. */
  static record(
    j: Journal,
    file: string,
    before: Buffer,
    after: string | Buffer,
    backup: string | undefined,
    changes: JournalChange[] = [],
  ): void {
    const prev = j.files[file];
    const beforeHash = sha256(before);
    const continues = prev && prev.writtenHash === beforeHash;
    // A later round keeps the earliest "before" of a path: undo goes back to the original.
    const key = (c: JournalChange) => JSON.stringify(c.path);
    const merged = new Map((continues ? (prev.changes ?? []) : []).map((c) => [key(c), c]));
    for (const n of changes) {
      const earlier = merged.get(key(n));
      merged.set(key(n), earlier ? { ...earlier, after: n.after } : n);
    }
    j.files[file] = continues
      ? { ...prev, writtenHash: sha256(after), at: new Date().toISOString(), changes: [...merged.values()] }
      : {
          original: before.toString('base64'),
          originalHash: beforeHash,
          writtenHash: sha256(after),
          at: new Date().toISOString(),
          backup,
          changes,
        };
  }
}
