// Reads one client configuration file and lists its server entries. Nothing here writes.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { parseToml } from './toml';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { errorCodeOf } from '../classify';
import { bridgeUpstream, classifyEntry, gatewaySlugOf, supervisedCommand, transportOf } from './match';
import { errorMessage, isStringRecord } from '../narrow';
import { isObj, isStringList, type Obj, type ServerMap } from './descriptor';
import { descriptorOf } from './descriptors';
import { GATEWAY_DEFAULTS } from '../gateway';
import type { ClientEntry, ConfigFileError, ConfigLocation, ReadConfig, WatchedServer } from './entries';

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

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
      const value: unknown = parseToml(text);
      // A TOML document is a table at the top level: never anything else.
      return isObj(value) ? { value } : { error: 'not a TOML table at the top level' };
    } catch (err) {
      return { error: `not valid TOML: ${errorMessage(err).split('\n')[0]}` };
    }
  }
  const errors: ParseError[] = [];
  const value: unknown = parseJsonc(text, errors, {
    disallowComments: location.format === 'json',
    allowTrailingComma: location.format === 'jsonc',
  });
  if (errors.length) {
    const e = errors[0];
    return {
      error: `not valid ${location.format === 'jsonc' ? 'JSON with comments' : 'JSON'}: ${printParseErrorCode(e.error)} at ${lineColumn(text, e.offset)}`,
    };
  }
  if (!isObj(value)) return { error: 'not a JSON object at the top level' };
  return { value };
}

/** What the reader needs beyond the file: the watched servers and the ports our gateway serves on. */
export interface ReadOptions {
  gatewayPorts?: readonly number[];
}

function entriesOf(
  m: ServerMap,
  location: ConfigLocation,
  servers: readonly WatchedServer[],
  opts: ReadOptions,
): ClientEntry[] {
  if (!isObj(m.map)) return [];
  const d = descriptorOf(location.client);
  const ports = opts.gatewayPorts ?? [GATEWAY_DEFAULTS.port];
  const out: ClientEntry[] = [];
  for (const [name, raw] of Object.entries(m.map)) {
    if (!isObj(raw)) continue;
    const urlKey = d.urlKey(raw);
    const urlValue = urlKey ? raw[urlKey] : undefined;
    const url = typeof urlValue === 'string' ? urlValue : undefined;
    const command = typeof raw.command === 'string' ? raw.command : undefined;
    const args = isStringList(raw.args) ? raw.args : undefined;
    const rawHeaders = raw[d.headersKey];
    const headers = isStringRecord(rawHeaders) ? rawHeaders : undefined;
    const c = classifyEntry({ url, command, args }, servers);
    const supervised = supervisedCommand(command, args);
    const gatewaySlug = gatewaySlugOf(url, ports);
    const protection = supervised
      ? 'supervisor'
      : c.target === 'gateway' || gatewaySlug !== undefined || bridgeUpstream(command, args) !== undefined
        ? 'gateway'
        : 'direct';
    out.push({
      client: location.client,
      file: location.file,
      scope: m.scope ?? location.scope,
      shared: location.shared,
      name,
      path: [...m.path, name],
      ...(url !== undefined ? { url, urlKey } : {}),
      ...(command !== undefined ? { command } : {}),
      ...(args ? { args } : {}),
      ...(m.project !== undefined ? { project: m.project } : {}),
      target: c.target,
      ...(c.server ? { server: c.server } : {}),
      ...(c.urlArg !== undefined ? { urlArg: c.urlArg } : {}),
      transport: transportOf(raw.type, url, command),
      protection,
      ...(headers ? { headers, headersKey: d.headersKey } : {}),
      ...(supervised ? { supervised } : {}),
      ...(gatewaySlug ? { gatewaySlug } : {}),
    });
  }
  return out;
}

/** The entries of a parsed file, where its client's descriptor says they are. */
export function entriesIn(
  location: ConfigLocation,
  value: Obj,
  servers: readonly WatchedServer[],
  opts: ReadOptions = {},
): ClientEntry[] {
  return descriptorOf(location.client)
    .serverMaps(value, location)
    .flatMap((m) => entriesOf(m, location, servers, opts));
}

/** Reads a file: undefined when it does not exist, an error when it cannot be read or parsed. */
export async function readConfig(
  location: ConfigLocation,
  servers: readonly WatchedServer[],
  opts: ReadOptions = {},
): Promise<ReadConfig | ConfigFileError | undefined> {
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(location.file);
  } catch (err) {
    const code = errorCodeOf(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    return {
      location,
      file: location.file,
      message: `cannot be read: ${code ?? errorMessage(err)}${code === 'EACCES' || code === 'EPERM' ? ' (permission denied)' : ''}`,
    };
  }
  const text = bytes.toString('utf8');
  const parsed = parseConfig(location, text);
  if ('error' in parsed) return { location, file: location.file, message: parsed.error };
  return { location, text, hash: sha256(bytes), entries: entriesIn(location, parsed.value, servers, opts) };
}

export function isReadError(r: ReadConfig | ConfigFileError): r is ConfigFileError {
  return 'message' in r;
}
