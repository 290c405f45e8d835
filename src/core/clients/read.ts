// Reads one client configuration file and lists its server entries. Nothing here writes.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { parseToml } from './toml';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { errorCodeOf } from '../classify';
import { classifyEntry } from './match';
import type { ClientEntry, ConfigFileError, ConfigLocation, ReadConfig, WatchedServer } from './types';

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Line and column (1-based) of an offset, for messages that point into the file. */
export function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split(/\r?\n/);
  return `line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

/** Parses the text into a plain object, or explains where it is malformed. */
export function parseConfig(location: ConfigLocation, text: string): { value: Obj } | { error: string } {
  if (text.trim() === '') return { value: {} };
  if (location.format === 'toml') {
    try {
      return { value: parseToml(text) as Obj };
    } catch (err) {
      return { error: `not valid TOML: ${(err as Error).message.split('\n')[0]}` };
    }
  }
  const errors: ParseError[] = [];
  const value: unknown = parseJsonc(text, errors, { disallowComments: location.format === 'json', allowTrailingComma: location.format === 'jsonc' });
  if (errors.length) {
    const e = errors[0];
    return { error: `not valid ${location.format === 'jsonc' ? 'JSON with comments' : 'JSON'}: ${printParseErrorCode(e.error)} at ${lineColumn(text, e.offset)}` };
  }
  if (!isObj(value)) return { error: 'not a JSON object at the top level' };
  return { value };
}

function entriesOf(map: unknown, base: (string | number)[], location: ConfigLocation, servers: readonly WatchedServer[], extra: Partial<ClientEntry>): ClientEntry[] {
  if (!isObj(map)) return [];
  const out: ClientEntry[] = [];
  for (const [name, raw] of Object.entries(map)) {
    if (!isObj(raw)) continue;
    const urlKey = location.dialect === 'windsurf' && typeof raw.serverUrl === 'string' ? 'serverUrl' : typeof raw.url === 'string' ? 'url' : undefined;
    const url = urlKey ? (raw[urlKey] as string) : undefined;
    const command = typeof raw.command === 'string' ? raw.command : undefined;
    const args = Array.isArray(raw.args) && raw.args.every((a) => typeof a === 'string') ? (raw.args as string[]) : undefined;
    const c = classifyEntry({ url, command, args }, servers);
    out.push({
      client: location.client, file: location.file, scope: location.scope, shared: location.shared, name, path: [...base, name],
      ...(url !== undefined ? { url, urlKey } : {}), ...(command !== undefined ? { command } : {}), ...(args ? { args } : {}),
      ...extra, target: c.target, ...(c.server ? { server: c.server } : {}), ...(c.urlArg !== undefined ? { urlArg: c.urlArg } : {}),
    });
  }
  return out;
}

/** The entries of a parsed file, by its dialect. */
export function entriesIn(location: ConfigLocation, value: Obj, servers: readonly WatchedServer[]): ClientEntry[] {
  switch (location.dialect) {
    case 'claude-code-user': {
      const user = entriesOf(value.mcpServers, ['mcpServers'], location, servers, {});
      const projects = isObj(value.projects) ? Object.entries(value.projects) : [];
      const local = projects.flatMap(([project, p]) =>
        isObj(p) ? entriesOf(p.mcpServers, ['projects', project, 'mcpServers'], location, servers, { scope: 'project', project }) : []);
      return [...user, ...local];
    }
    case 'vscode':
      return entriesOf(value.servers, ['servers'], location, servers, {});
    case 'codex':
      return entriesOf(value.mcp_servers, ['mcp_servers'], location, servers, {});
    default:
      return entriesOf(value.mcpServers, ['mcpServers'], location, servers, {});
  }
}

/** Reads a file: undefined when it does not exist, an error when it cannot be read or parsed. */
export async function readConfig(location: ConfigLocation, servers: readonly WatchedServer[]): Promise<ReadConfig | ConfigFileError | undefined> {
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(location.file);
  } catch (err) {
    const code = errorCodeOf(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    return { location, file: location.file, message: `cannot be read: ${code ?? (err as Error).message}${code === 'EACCES' || code === 'EPERM' ? ' (permission denied)' : ''}` };
  }
  const text = bytes.toString('utf8');
  const parsed = parseConfig(location, text);
  if ('error' in parsed) return { location, file: location.file, message: parsed.error };
  return { location, text, hash: sha256(bytes), entries: entriesIn(location, parsed.value, servers) };
}

export function isReadError(r: ReadConfig | ConfigFileError): r is ConfigFileError {
  return 'message' in r;
}
