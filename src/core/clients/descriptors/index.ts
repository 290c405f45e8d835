// The clients we know: one descriptor each. A new client is one file beside these and one line here.
import type { ClientDescriptor } from '../descriptor';
import { claudeCode } from './claude-code';
import { claudeDesktop } from './claude-desktop';
import { codex } from './codex';
import { cursor } from './cursor';
import { vscodeClient } from './vscode';
import { windsurf } from './windsurf';

export const CLIENTS = [claudeCode, cursor, windsurf, vscodeClient, claudeDesktop, codex] as const;

/** AI clients whose MCP configuration we read (the `client` field of `clients --json`). */
export type ClientId = (typeof CLIENTS)[number]['id'];
export const CLIENT_IDS: readonly ClientId[] = CLIENTS.map((c) => c.id);

export function descriptorOf(id: ClientId): ClientDescriptor<ClientId> {
  return CLIENTS.find((c) => c.id === id)!;
}

export const CLIENT_NAMES = Object.fromEntries(CLIENTS.map((c) => [c.id, c.label])) as Record<ClientId, string>;

export { claudeCodeUserFile } from './claude-code';
