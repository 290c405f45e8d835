// Carries out a route plan and its undo, file by file: one file's refusal never stops the others.
import { errorCodeOf } from '../classify';
import { JournalStore, type Journal } from './undo-journal';
import type { FileEdit } from './plan';
import { sha256 } from './read';
import { formatOf, journalChanges, revertChanges } from './undo-entries';
import type { JournalFile } from './undo-journal';
import { assertUnchanged, backupPath, nodeFileOps, safeReplace, WriteRefused, type FileOps } from './write';

export const OUTCOMES = ['written', 'refused', 'restored', 'kept'] as const;
export type OutcomeKind = (typeof OUTCOMES)[number];

export interface FileOutcome {
  file: string;
  outcome: OutcomeKind;
  message: string;
  backup?: string;
}

const messageOf = (err: unknown) => (err instanceof WriteRefused || err instanceof Error ? err.message : String(err));

export async function executeRoute(
  edits: readonly FileEdit[],
  journal: JournalStore,
  ops: FileOps = nodeFileOps,
): Promise<FileOutcome[]> {
  const out: FileOutcome[] = [];
  for (const edit of edits) {
    let j: Journal;
    try {
      j = await journal.load();
    } catch (err) {
      out.push({ file: edit.file, outcome: 'refused', message: `${edit.file}: ${messageOf(err)}; nothing written` });
      continue;
    }
    const saved = structuredClone(j);
    try {
      const before = await assertUnchanged(edit.file, edit.read.hash, ops);
      const firstChange = j.files[edit.file]?.writtenHash !== edit.read.hash;
      JournalStore.record(
        j,
        edit.file,
        before,
        edit.after,
        firstChange ? backupPath(edit.file) : undefined,
        journalChanges(edit.read.text, edit.read.location.format, edit.changes),
      );
      // The journal first: should we stop between the two writes, undo still knows the original.
      await journal.save(j);
      try {
        const r = await safeReplace(edit.file, edit.read.hash, edit.after, { backup: firstChange }, ops);
        const what = edit.changes
          .map((c) => c.summary)
          .filter(Boolean)
          .join('; ');
        out.push({ file: edit.file, outcome: 'written', message: `${edit.file}: ${what}`, backup: r.backup });
      } catch (err) {
        await journal.save(saved).catch(() => undefined);
        throw err;
      }
    } catch (err) {
      out.push({ file: edit.file, outcome: 'refused', message: messageOf(err) });
    }
  }
  return out;
}

/** Puts back the original bytes of every file we rewrote that still holds exactly what we wrote. */
export async function undoRouting(journal: JournalStore, ops: FileOps = nodeFileOps): Promise<FileOutcome[]> {
  const j = await journal.load();
  const out: FileOutcome[] = [];
  for (const [file, rec] of Object.entries(j.files)) {
    let now: Buffer;
    try {
      now = await ops.readFile(file);
    } catch (err) {
      out.push({
        file,
        outcome: 'kept',
        message: `${file}: cannot be read (${errorCodeOf(err) ?? messageOf(err)}); not restored`,
      });
      continue;
    }
    if (sha256(now) !== rec.writtenHash) {
      const partial = await revertInChangedFile(file, now, rec, ops);
      if (partial) {
        delete j.files[file];
        await journal.save(j);
        out.push(partial);
      } else
        out.push({
          file,
          outcome: 'kept',
          message: `${file} changed since we wrote it; left as it is${rec.backup ? ` (the original is in ${rec.backup})` : ''}`,
        });
      continue;
    }
    const original = Buffer.from(rec.original, 'base64');
    try {
      await safeReplace(file, rec.writtenHash, original, { backup: false }, ops);
    } catch (err) {
      out.push({ file, outcome: 'kept', message: messageOf(err) });
      continue;
    }
    delete j.files[file];
    await journal.save(j);
    // The backup served its purpose once the original is back.
    if (rec.backup) {
      const b = await ops.readFile(rec.backup).catch(() => undefined);
      if (b && sha256(b) === rec.originalHash) await ops.unlink(rec.backup).catch(() => undefined);
    }
    out.push({ file, outcome: 'restored', message: `${file}: original restored` });
  }
  return out;
}

/**
 * A file its client rewrote since (Claude Code rewrites ~/.claude.json as it runs): our values put back
 * where they are still as we wrote them, the client's own changes kept. Undefined when nothing is ours any more.
 */
async function revertInChangedFile(
  file: string,
  now: Buffer,
  rec: JournalFile,
  ops: FileOps,
): Promise<FileOutcome | undefined> {
  if (!rec.changes?.length) return undefined;
  let r;
  try {
    r = revertChanges(now.toString('utf8'), formatOf(file), rec.changes);
  } catch {
    return undefined; // not parsable now: leave it to the user, the backup holds the original
  }
  if (!r) return undefined;
  try {
    await safeReplace(file, sha256(now), r.text, { backup: false }, ops);
  } catch (err) {
    return { file, outcome: 'kept', message: messageOf(err) };
  }
  return {
    file,
    outcome: 'restored',
    message: `${file}: changed by its client since we wrote it, so our ${r.reverted} value${r.reverted === 1 ? '' : 's'} went back to the original${r.left ? ` (${r.left} changed by someone else left alone)` : ''} and the client's own changes stay`,
  };
}
