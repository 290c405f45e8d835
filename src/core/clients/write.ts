// Writes other programs' files safely: refuse when the file changed since it was read, keep a backup of
// the original beside it, write a temporary file beside it and rename it over (the mode kept).
import { randomBytes } from 'node:crypto';
import { constants, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { errorCodeOf } from '../classify';
import { errorMessage } from '../narrow';
import { sha256 } from './read';

/** The file operations used, so that a test can make one fail the way a real disk does (EACCES as root). */
export interface FileOps {
  readFile(file: string): Promise<Buffer>;
  writeFile(file: string, data: string | Buffer, opts: { mode: number; flag: string }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  stat(file: string): Promise<{ mode: number }>;
  chmod(file: string, mode: number): Promise<void>;
  unlink(file: string): Promise<void>;
  access(file: string, mode: number): Promise<void>;
  mkdir(dir: string, opts: { recursive: true; mode: number }): Promise<unknown>;
}

export const nodeFileOps: FileOps = {
  readFile: (f) => fsp.readFile(f),
  writeFile: (f, d, o) => fsp.writeFile(f, d, o),
  rename: (a, b) => fsp.rename(a, b),
  stat: (f) => fsp.stat(f),
  chmod: (f, m) => fsp.chmod(f, m),
  unlink: (f) => fsp.unlink(f),
  access: (f, m) => fsp.access(f, m),
  mkdir: (d, o) => fsp.mkdir(d, o),
};

/** A refusal or failure with a message meant for the user; nothing was written when it is thrown. */
export class WriteRefused extends Error {}

export const BACKUP_SUFFIX = '.archon-mcp-doctor.bak';

export function backupPath(file: string): string {
  return `${file}${BACKUP_SUFFIX}`;
}

function describeFsError(err: unknown, file: string, doing: string): string {
  const code = errorCodeOf(err);
  const why =
    code === 'EACCES' || code === 'EPERM'
      ? 'not writable (permission denied)'
      : code === 'EROFS'
        ? 'on a read-only file system'
        : (code ?? errorMessage(err));
  return `${file}: ${doing} failed: ${why}; nothing written`;
}

/** Fails unless the file still has exactly the bytes that were read. */
export async function assertUnchanged(file: string, expectedHash: string, ops: FileOps = nodeFileOps): Promise<Buffer> {
  let now: Buffer;
  try {
    now = await ops.readFile(file);
  } catch (err) {
    throw new WriteRefused(`${file}: cannot be read again (${errorCodeOf(err) ?? errorMessage(err)}); nothing written`);
  }
  if (sha256(now) !== expectedHash)
    throw new WriteRefused(
      `${file} changed since it was read (another program wrote it); nothing written — look again and retry`,
    );
  return now;
}

/** Writes `data` to `file` through a temporary file beside it and a rename; the file's mode is kept. */
export async function writeAtomic(
  file: string,
  data: string | Buffer,
  mode: number,
  ops: FileOps = nodeFileOps,
): Promise<void> {
  const tmp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  try {
    await ops.writeFile(tmp, data, { mode, flag: 'wx' });
    await ops.chmod(tmp, mode); // the umask may have narrowed it
    await ops.rename(tmp, file);
  } catch (err) {
    await ops.unlink(tmp).catch(() => undefined);
    throw new WriteRefused(describeFsError(err, file, 'writing'));
  }
}

export interface SafeWriteResult {
  /** Where the original was copied before the change (only on the first change). */
  backup?: string;
}

/**
 * Replaces a file we read earlier with new text: refuses when it changed since (hash), when it is not
 * writable, or when the backup cannot be made. `backup` false skips the backup (undo restores from the journal).
 */
export async function safeReplace(
  file: string,
  expectedHash: string,
  after: string | Buffer,
  opts: { backup: boolean },
  ops: FileOps = nodeFileOps,
): Promise<SafeWriteResult> {
  const before = await assertUnchanged(file, expectedHash, ops);
  const mode = (await ops.stat(file)).mode & 0o7777;
  try {
    await ops.access(file, constants.W_OK);
    await ops.access(path.dirname(file), constants.W_OK);
  } catch (err) {
    throw new WriteRefused(describeFsError(err, file, 'checking write access'));
  }
  let backup: string | undefined;
  if (opts.backup) {
    backup = backupPath(file);
    await writeAtomic(backup, before, mode, ops).catch((err: Error) => {
      throw new WriteRefused(`${file}: the backup ${backup} could not be written (${err.message}); nothing changed`);
    });
  }
  // Last look just before the rename: a client that wrote meanwhile wins, and we say so.
  await assertUnchanged(file, expectedHash, ops);
  await writeAtomic(file, after, mode, ops);
  return { backup };
}

/** Creates our own folder 0700; the folders above it get the usual mode. */
export async function ensureDir(dir: string, ops: FileOps = nodeFileOps): Promise<void> {
  await ops.mkdir(path.dirname(dir), { recursive: true, mode: 0o755 });
  await ops.mkdir(dir, { recursive: true, mode: 0o700 });
}
