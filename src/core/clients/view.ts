// What the user sees: the entries that concern a watched server, each protected, direct or shared.
import { redactText, redactUrl } from '../redact';
import { samePath } from './match';
import type { ClientEntry, EntryState, Scan, ServerEntryView } from './entries';

/** Claude Code's local-scope entry in ~/.claude.json that takes precedence over a workspace .mcp.json entry. */
export function localOverride(scan: Scan, entry: ClientEntry, workspace: string | undefined): ClientEntry | undefined {
  if (entry.client !== 'claude-code' || entry.scope !== 'workspace' || !workspace) return undefined;
  return scan.files
    .flatMap((f) => f.entries)
    .find(
      (e) =>
        e.client === 'claude-code' &&
        e.scope === 'project' &&
        e.name === entry.name &&
        e.project !== undefined &&
        samePath(e.project, workspace),
    );
}

export function serverEntries(scan: Scan): ServerEntryView[] {
  const views: ServerEntryView[] = [];
  for (const f of scan.files) {
    for (const e of f.entries) {
      if (e.target === 'other') continue;
      const override = localOverride(scan, e, f.location.workspace);
      if (override?.target === 'gateway') views.push({ ...e, state: 'protected', overriddenBy: override });
      else if (e.target === 'gateway') views.push({ ...e, state: 'protected' });
      else views.push({ ...e, state: e.shared ? 'shared' : 'direct' });
    }
  }
  return views;
}

/** One entry of any server, with what the user sees for it (the Clients section lists them all). */
export interface EntryView extends ClientEntry {
  state: EntryState;
  /** A Claude Code local-scope entry in ~/.claude.json that overrides this workspace entry and protects it. */
  overriddenBy?: ClientEntry;
}

/** Every entry of every file read, HTTP, SSE and stdio: protected (gateway or supervisor, maybe by an override), direct, or direct in a shared file. */
export function allEntries(scan: Scan): EntryView[] {
  return scan.files.flatMap((f) =>
    f.entries.map((e): EntryView => {
      const override = localOverride(scan, e, f.location.workspace);
      if (override && override.protection !== 'direct') return { ...e, state: 'protected', overriddenBy: override };
      return { ...e, state: e.protection !== 'direct' ? 'protected' : e.shared ? 'shared' : 'direct' };
    }),
  );
}

/** Entries that still talk to a server directly (direct or shared). */
export function unprotected<V extends { state: EntryState }>(views: readonly V[]): V[] {
  return views.filter((v) => v.state !== 'protected');
}

/** A stable key for an entry: file plus key path. */
export function entryKey(e: Pick<ClientEntry, 'file' | 'path'>): string {
  return `${e.file}#${JSON.stringify(e.path)}`;
}

/** A URL as shown to people: credentials and secret-looking query values hidden, anything else as written. */
export function shownUrl(url: string): string {
  try {
    const redacted = redactUrl(url);
    return redacted === new URL(url).toString() ? url : redacted;
  } catch {
    return redactText(url);
  }
}

/** Where an entry goes, for display: its URL or its command line, secrets hidden. */
export function shownTarget(e: Pick<ClientEntry, 'url' | 'command' | 'args'>): string {
  return e.url !== undefined ? shownUrl(e.url) : redactText([e.command, ...(e.args ?? [])].join(' '));
}
