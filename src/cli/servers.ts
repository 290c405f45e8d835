// `archon-mcp-doctor servers`: the shared server list (in our config folder) that `proxy` with no
// --upstream, `clients route --all` and the extension share.
import { ServerListStore, configDir, currentLocationEnv, shownUrl, type ListedServer } from '../core/clients';
import { jsonLine } from '../core/json-lines';
import { httpUrlProblem } from './gateway-args';
import { badArguments, parseCommandArgs } from './registry';
import { repeatRulesOf } from './gateway-args';

export const SERVERS_USAGE = `usage: archon-mcp-doctor servers [--json]
       archon-mcp-doctor servers add <name> <url> [--header "Name: value"]… [--repeat-safe GLOBS] [--never-repeat GLOBS] [--json]
       archon-mcp-doctor servers remove <name|slug> [--json]
  The list lives in ${'$'}XDG_CONFIG_HOME/archon-mcp-doctor/servers.json (macOS ~/Library/Application Support,
  Windows %APPDATA%; ARCHON_MCP_DOCTOR_CONFIG_DIR moves it). Each server is served by the gateway at
  /<slug>/mcp; a slug, once given, never changes. Header values are never printed.`;

const write = (s: string) => process.stdout.write(s);

function listedLine(s: ListedServer) {
  return jsonLine('listed-server', {
    name: s.name,
    slug: s.slug,
    url: shownUrl(s.url),
    ...(s.headers ? { headers: Object.keys(s.headers) } : {}),
    ...(s.repeatSafe ? { repeatSafe: s.repeatSafe } : {}),
    ...(s.neverRepeat ? { neverRepeat: s.neverRepeat } : {}),
    gatewayPath: `/${s.slug}/mcp`,
  });
}

export function serverListStore(): ServerListStore {
  return new ServerListStore(configDir(currentLocationEnv()));
}

function problems(store: ServerListStore, list: string[], json: boolean): void {
  for (const p of list) {
    if (json) write(`${JSON.stringify(jsonLine('server-list-problem', { file: store.file, message: p }))}\n`);
    else process.stderr.write(`warning: ${p}\n`);
  }
}

export async function serversCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      json: { type: 'boolean' },
      header: { type: 'string', multiple: true },
      'repeat-safe': { type: 'string', multiple: true },
      'never-repeat': { type: 'string', multiple: true },
    },
    true,
  );
  if (typeof parsed === 'string') return badArguments('servers', parsed, SERVERS_USAGE);
  const { values, positionals } = parsed;
  const json = Boolean(values.json);
  const store = serverListStore();
  const [action = 'list', ...rest] = positionals;
  if (action === 'list' && rest.length === 0) {
    const read = await store.load();
    problems(store, read.problems, json);
    if (json) for (const s of read.servers) write(`${JSON.stringify(listedLine(s))}\n`);
    else if (read.servers.length === 0)
      write(
        `No servers in ${store.file} yet: \`archon-mcp-doctor servers add <name> <url>\` or \`clients route --all\` adds them.\n`,
      );
    else
      for (const s of read.servers)
        write(
          `${s.name}  /${s.slug}/mcp  ${shownUrl(s.url)}${s.headers ? `  (headers: ${Object.keys(s.headers).join(', ')})` : ''}\n`,
        );
    return 0;
  }
  if (action === 'add' && rest.length === 2) {
    const [name, url] = rest;
    const bad = httpUrlProblem('<url>', url);
    if (bad || !name.trim()) {
      return badArguments('servers', `add: ${bad ?? 'the name is empty'}`, SERVERS_USAGE);
    }
    const headers: Record<string, string> = {};
    for (const h of values.header ?? []) {
      const i = h.indexOf(':');
      if (i <= 0) {
        return badArguments('servers', 'add: --header needs "Name: value", got one without a colon', SERVERS_USAGE);
      }
      headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
    }
    let r;
    try {
      const rules = repeatRulesOf(values);
      r = await store.upsert(
        [
          {
            name,
            url,
            ...(Object.keys(headers).length ? { headers } : {}),
            ...(values['repeat-safe'] ? { repeatSafe: [...rules.repeatSafe] } : {}),
            ...(values['never-repeat'] ? { neverRepeat: [...rules.neverRepeat] } : {}),
          },
        ],
        { byName: true },
      );
    } catch (err) {
      process.stderr.write(`servers add: ${(err as Error).message}\n`);
      return 1;
    }
    problems(store, r.problems, json);
    for (const c of r.changed) {
      if (json)
        write(
          `${JSON.stringify(jsonLine('server-list-change', { change: c.change, name: c.server.name, slug: c.server.slug, url: shownUrl(c.server.url) }))}\n`,
        );
      else write(`${c.change}: ${c.server.name} at /${c.server.slug}/mcp → ${shownUrl(c.server.url)}\n`);
    }
    return 0;
  }
  if (action === 'remove' && rest.length === 1) {
    let r;
    try {
      r = await store.remove(rest[0]);
    } catch (err) {
      process.stderr.write(`servers remove: ${(err as Error).message}\n`);
      return 1;
    }
    problems(store, r.problems, json);
    if (!r.removed) {
      process.stderr.write(`servers remove: no server named "${rest[0]}" in ${store.file}\n`);
      return 1;
    }
    if (json)
      write(
        `${JSON.stringify(jsonLine('server-list-change', { change: 'removed', name: r.removed.name, slug: r.removed.slug, url: shownUrl(r.removed.url) }))}\n`,
      );
    else write(`removed: ${r.removed.name} (/${r.removed.slug}/mcp)\n`);
    return 0;
  }
  return badArguments('servers', `unknown action "${positionals.join(' ')}"`, SERVERS_USAGE);
}
