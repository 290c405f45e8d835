// The command a routed stdio entry runs: a copy of our CLI in our state folder, started by an absolute path.
// Clients start stdio servers with their own environment (Claude Desktop on macOS: a minimal PATH), so
// neither `node` nor `npx` may resolve there; and an extension's own folder is versioned and deleted by its
// next update. The copy is refreshed whenever the CLI or the extension routes or starts (same bytes: no write).
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { ensureDir, writeAtomic } from './write';

export const STABLE_CLI_DIR = 'bin';
export const STABLE_CLI_JS = 'archon-mcp-doctor.js';

const hash = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');

async function writeIfDifferent(file: string, data: string | Buffer, mode: number): Promise<void> {
  const now = await fsp.readFile(file).catch(() => undefined);
  if (now && hash(now) === hash(data)) return;
  await writeAtomic(file, data, mode);
}

/** The launcher's text: runs the copied bundle with an absolute node (Electron's, as node, in VS Code). */
export function launcherText(platform: NodeJS.Platform, node: string, js: string): string {
  const electron = !/^node(\.exe)?$/i.test((platform === 'win32' ? path.win32 : path.posix).basename(node));
  if (platform === 'win32')
    return `@echo off\r\n${electron ? 'set ELECTRON_RUN_AS_NODE=1\r\n' : ''}"${node}" "${js}" %*\r\n`;
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return `#!/bin/sh\n# Archon MCP Doctor: written by \`clients route\`; refreshed on each route and extension start.\n${electron ? 'ELECTRON_RUN_AS_NODE=1 ' : ''}exec ${q(node)} ${q(js)} "$@"\n`;
}

/**
 * Copies the CLI bundle into <stateDir>/bin and writes the launcher beside it; returns the launcher's
 * absolute path, the command routed entries name.
 */
export async function installStableCli(
  stateDirectory: string,
  bundle: string,
  node: string = process.execPath,
  platform: NodeJS.Platform = process.platform,
): Promise<string> {
  const dir = path.join(stateDirectory, STABLE_CLI_DIR);
  await ensureDir(stateDirectory);
  await fsp.mkdir(dir, { recursive: true, mode: 0o755 });
  const js = path.join(dir, STABLE_CLI_JS);
  await writeIfDifferent(js, await fsp.readFile(bundle), 0o755);
  const launcher = path.join(dir, platform === 'win32' ? 'archon-mcp-doctor.cmd' : 'archon-mcp-doctor');
  await writeIfDifferent(launcher, launcherText(platform, node, js), 0o755);
  return launcher;
}

/** Where installStableCli puts the launcher (known before it is written, for the preview). */
export function stableCliPath(stateDirectory: string, platform: NodeJS.Platform = process.platform): string {
  return path.join(
    stateDirectory,
    STABLE_CLI_DIR,
    platform === 'win32' ? 'archon-mcp-doctor.cmd' : 'archon-mcp-doctor',
  );
}
