// `archon-mcp-doctor clients`: which AI clients talk to the server directly, and routing them through the gateway.
import { argumentProblem, badArguments } from './registry';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import {
  CLIENT_IDS,
  CLIENT_NAMES,
  JournalStore,
  ServerListStore,
  configDir,
  installStableCli,
  inventory,
  planRouteAll,
  stableCliPath,
  type ListedServer,
  type LocationEnv,
  type McpServer,
  currentLocationEnv,
  editDiff,
  executeRoute,
  planRoute,
  scanClients,
  serverEntries,
  shownTarget,
  shownUrl,
  stateDir,
  textDiff,
  undoRouting,
  watchedServer,
  type ClientEntry,
  type ClientId,
  type FileOutcome,
  type Scan,
  type WatchedServer,
} from '../core/clients';
import { sha256 } from '../core/clients';
import type { EntryState } from '../core/clients';
import { redactText } from '../core/redact';
import { errorMessage, isOneOf } from '../core/narrow';
import { promises as fsp } from 'node:fs';
import { jsonLine } from '../core/json-lines';
import { GATEWAY_DEFAULTS } from '../core/gateway';

export const CLIENTS_USAGE = `usage: archon-mcp-doctor clients [--json] [--server-url URL] [--gateway-url URL] [--gateway-port P] [--workspace DIR]…
       archon-mcp-doctor clients route [--yes] [--client ID]… [--include-shared FILE]… [same options]
       archon-mcp-doctor clients route --all [--yes] [--gateway-port P] [--client ID]… [--include-shared FILE]…
       archon-mcp-doctor clients unroute [--yes] [--json]
  Lists every MCP server entry of every client, each with its transport and whether it goes through us.
  route: the entries for the watched server (Archon by default) through the gateway.
  route --all: every direct entry: HTTP through the gateway (its upstream into the shared server list,
  see \`servers\`), stdio under the supervisor (\`<stable copy of this CLI> stdio -- <command> <args…>\`).
  client IDs: ${CLIENT_IDS.join(', ')}`;

export const DEFAULT_SERVER_URL = 'http://localhost:8051/mcp';

const write = (s: string) => process.stdout.write(s);

/** One `client-entry` line (the listing's stable JSON shape). */
export function entryLine(e: ClientEntry & { state?: EntryState; serverId?: string }) {
  return jsonLine('client-entry', {
    client: e.client,
    file: e.file,
    scope: e.scope,
    name: e.name,
    ...(e.url !== undefined ? { url: shownUrl(e.url) } : {}),
    ...(e.command !== undefined ? { command: e.command, args: (e.args ?? []).map(redactText) } : {}),
    target: e.target,
    ...(e.server ? { server: e.server } : {}),
    ...(e.state ? { state: e.state } : {}),
    shared: e.shared,
    ...(e.project ? { project: e.project } : {}),
    transport: e.transport,
    protection: e.protection,
    ...(e.serverId ? { serverId: e.serverId } : {}),
  });
}

const PROTECTION_WORD: Record<ClientEntry['protection'], string> = {
  gateway: 'protected (gateway)',
  supervisor: 'protected (supervisor)',
  direct: 'direct',
};

function listHuman(scan: Scan, servers: McpServer[]): void {
  const views = new Map(serverEntries(scan).map((v) => [`${v.file}#${JSON.stringify(v.path)}`, v]));
  if (scan.files.length === 0 && scan.errors.length === 0) write('No MCP client configuration found.\n');
  for (const f of scan.files) {
    write(`${CLIENT_NAMES[f.location.client]}  ${f.location.file}${f.location.shared ? '  (shared)' : ''}\n`);
    if (f.entries.length === 0) write('  (no servers)\n');
    for (const e of f.entries) {
      const v = views.get(`${e.file}#${JSON.stringify(e.path)}`);
      const where = shownTarget(e);
      const state = v?.overriddenBy
        ? 'protected (local-scope entry in ~/.claude.json)'
        : e.protection === 'direct' && e.shared
          ? 'direct, shared file'
          : PROTECTION_WORD[e.protection];
      write(`  ${e.name}  ${e.scope}${e.project ? ` ${e.project}` : ''}  ${e.transport}  ${state}  ${where}\n`);
    }
  }
  for (const e of scan.errors) write(`${CLIENT_NAMES[e.location.client]}  ${e.file}\n  unreadable: ${e.message}\n`);
  if (servers.length) {
    write(`\n${servers.length} MCP server${servers.length === 1 ? '' : 's'}:\n`);
    for (const s of servers)
      write(
        `  ${s.name}  ${s.transport}  ${s.protection}  ${s.shown}  (${[...new Set(s.entries.map((e) => CLIENT_NAMES[e.client]))].join(', ')})\n`,
      );
  }
  const direct = [...views.values()].filter((v) => v.state !== 'protected').length;
  if (direct)
    write(
      `\n${direct} entr${direct === 1 ? 'y talks' : 'ies talk'} to the server directly: \`archon-mcp-doctor clients route\` routes them through the gateway.\n`,
    );
  const others = servers.filter((s) => s.protection !== 'protected').length;
  if (others)
    write(
      `${others} server${others === 1 ? ' is' : 's are'} not fully protected: \`archon-mcp-doctor clients route --all\` protects every direct entry.\n`,
    );
}

/** Asks on a terminal; anything but a yes, no terminal, or a closed stdin means no. */
async function confirm(question: string, json: boolean): Promise<{ yes: boolean; why?: string }> {
  if (!process.stdin.isTTY)
    return {
      yes: false,
      why: 'stdin is not a terminal, so nobody can answer; nothing written (pass --yes to write without asking)',
    };
  // With --json, stdout carries only JSON lines: the question goes to stderr.
  (json ? process.stderr : process.stdout).write(`${question} [y/N] `);
  const answer = await new Promise<string | undefined>((resolve) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) done(buf.split('\n')[0]);
    };
    const done = (v: string | undefined) => {
      process.stdin.off('data', onData);
      process.stdin.pause();
      resolve(v);
    };
    process.stdin.on('data', onData);
    process.stdin.once('end', () => done(undefined));
  });
  if (answer === undefined) return { yes: false, why: 'stdin closed without an answer; nothing written' };
  return /^\s*y(es)?\s*$/i.test(answer) ? { yes: true } : { yes: false, why: 'nothing written' };
}

/** A message: a JSON line of the given type with --json, else plain text. */
function say(json: boolean, type: 'client-route-declined' | 'client-route-notice', message: string): void {
  write(json ? `${JSON.stringify(jsonLine(type, { message }))}\n` : `${message}\n`);
}

function outcomeLine(o: FileOutcome) {
  return jsonLine('client-route', {
    file: o.file,
    outcome: o.outcome,
    message: o.message,
    ...(o.backup ? { backup: o.backup } : {}),
  });
}

function report(outcomes: FileOutcome[], json: boolean): number {
  for (const o of outcomes)
    write(
      json
        ? `${JSON.stringify(outcomeLine(o))}\n`
        : `${o.outcome}: ${o.message}${o.backup ? ` (backup: ${o.backup})` : ''}\n`,
    );
  return outcomes.some((o) => o.outcome === 'refused' || o.outcome === 'kept') ? 1 : 0;
}

export async function clientsCommand(argv: string[], bundle?: string): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        yes: { type: 'boolean', short: 'y' },
        'server-url': { type: 'string' },
        'gateway-url': { type: 'string' },
        workspace: { type: 'string', multiple: true },
        client: { type: 'string', multiple: true },
        'include-shared': { type: 'string', multiple: true },
        all: { type: 'boolean' },
        'gateway-port': { type: 'string' },
      },
    });
  } catch (err) {
    return badArguments('clients', argumentProblem(err), CLIENTS_USAGE);
  }
  const { values, positionals } = parsed;
  const gatewayPort = Number(values['gateway-port'] ?? GATEWAY_DEFAULTS.port);
  if (!Number.isInteger(gatewayPort) || gatewayPort < 1 || gatewayPort > 65535)
    return badArguments('clients', '--gateway-port must be 1..65535', CLIENTS_USAGE);
  const action = positionals[0] ?? 'list';
  if (!['list', 'route', 'unroute'].includes(action) || positionals.length > 1) {
    return badArguments('clients', `unknown action "${positionals.join(' ')}"`, CLIENTS_USAGE);
  }
  const badClient = (values.client ?? []).find((c) => !isOneOf(CLIENT_IDS, c));
  const clients = values.client?.filter((c): c is ClientId => isOneOf(CLIENT_IDS, c));
  if (badClient) {
    process.stderr.write(`unknown client "${badClient}"; one of ${CLIENT_IDS.join(', ')}\n`);
    return 2;
  }
  for (const [flag, v] of [
    ['--server-url', values['server-url']],
    ['--gateway-url', values['gateway-url']],
  ] as const) {
    if (v !== undefined && !/^https?:\/\/[^/]/.test(v)) {
      process.stderr.write(`${flag} ${v} is not an http(s) URL\n`);
      return 2;
    }
  }
  const json = Boolean(values.json);
  const server: WatchedServer = watchedServer(
    'Archon',
    values['server-url'] ?? DEFAULT_SERVER_URL,
    values['gateway-url'] ? [values['gateway-url']] : [],
  );
  const workspaces = (values.workspace ?? [process.cwd()]).map((w) => path.resolve(w));
  const env = currentLocationEnv(workspaces);
  const journal = new JournalStore(stateDir(env));

  if (action === 'unroute') return unroute(journal, Boolean(values.yes), json);

  const scan = await scanClients(env, [server], { gatewayPorts: [...new Set([gatewayPort, GATEWAY_DEFAULTS.port])] });
  const store = new ServerListStore(configDir(env));
  const listRead = await store.load();
  for (const p of listRead.problems)
    write(
      json
        ? `${JSON.stringify(jsonLine('server-list-problem', { file: store.file, message: p }))}\n`
        : `warning: ${p}\n`,
    );
  if (action === 'list') {
    const servers = inventory(scan, listRead.servers);
    if (!json) {
      listHuman(scan, servers);
      return 0;
    }
    const states = new Map(serverEntries(scan).map((v) => [`${v.file}#${JSON.stringify(v.path)}`, v.state]));
    const ids = new Map(servers.flatMap((s) => s.entries.map((e) => [e, s.id] as const)));
    for (const f of scan.files)
      for (const e of f.entries)
        write(
          `${JSON.stringify(entryLine({ ...e, state: states.get(`${e.file}#${JSON.stringify(e.path)}`), serverId: ids.get(e) }))}\n`,
        );
    for (const s of servers) {
      write(
        `${JSON.stringify(jsonLine('mcp-server', { id: s.id, name: s.name, transport: s.transport, target: s.shown, protection: s.protection, entries: s.entries.length, clients: [...new Set(s.entries.map((e) => e.client))] }))}\n`,
      );
    }
    for (const e of scan.errors)
      write(
        `${JSON.stringify(jsonLine('client-file-error', { client: e.location.client, file: e.file, message: e.message }))}\n`,
      );
    return 0;
  }
  if (values.all)
    return routeAll({
      scan,
      store,
      list: listRead.servers,
      env,
      journal,
      json,
      yes: Boolean(values.yes),
      gatewayPort,
      bundle,
      clients,
      includeShared: values['include-shared'],
    });

  const plan = planRoute(scan, { servers: [server], clients, includeShared: values['include-shared'] });
  for (const s of plan.skipped) {
    write(
      json
        ? `${JSON.stringify(jsonLine('client-route-skipped', { client: s.entry.client, file: s.entry.file, name: s.entry.name, reason: s.reason }))}\n`
        : `skipped: ${s.entry.file} ${s.entry.name}: ${s.reason}\n`,
    );
  }
  for (const e of scan.errors) {
    write(
      json
        ? `${JSON.stringify(jsonLine('client-file-error', { client: e.location.client, file: e.file, message: e.message }))}\n`
        : `unreadable, left alone: ${e.file}: ${e.message}\n`,
    );
  }
  if (plan.edits.length === 0) {
    if (!json) write('Nothing to route: no entry talks to the server directly.\n');
    return scan.errors.length ? 1 : 0;
  }
  if (!values.yes) {
    for (const edit of plan.edits)
      write(
        json
          ? `${JSON.stringify(jsonLine('client-route-diff', { file: edit.file, diff: editDiff(edit) }))}\n`
          : `${editDiff(edit)}\n`,
      );
    const answer = await confirm(`Write ${plan.edits.length} file${plan.edits.length === 1 ? '' : 's'}?`, json);
    if (!answer.yes) {
      say(json, 'client-route-declined', answer.why!);
      return 1;
    }
  }
  const code = report(await executeRoute(plan.edits, journal), json);
  return scan.errors.length ? 1 : code;
}

async function unroute(journal: JournalStore, yes: boolean, json: boolean): Promise<number> {
  let files;
  try {
    files = (await journal.load()).files;
  } catch (err) {
    process.stderr.write(`${errorMessage(err)}\n`);
    return 1;
  }
  const entries = Object.entries(files);
  if (entries.length === 0) {
    if (!json) write('Nothing to undo: no client file was routed (or it was undone already).\n');
    return 0;
  }
  if (!yes) {
    for (const [file, rec] of entries) {
      const current = await fsp.readFile(file).catch(() => undefined);
      if (!current || sha256(current) !== rec.writtenHash) {
        say(json, 'client-route-notice', `${file} changed since we wrote it; it will be left as it is`);
        continue;
      }
      const diff = textDiff(
        file,
        current.toString('utf8'),
        Buffer.from(rec.original, 'base64').toString('utf8'),
        'now',
        'original',
      );
      write(json ? `${JSON.stringify(jsonLine('client-route-diff', { file, diff }))}\n` : `${diff}\n`);
    }
    const answer = await confirm(`Restore ${entries.length} file${entries.length === 1 ? '' : 's'}?`, json);
    if (!answer.yes) {
      say(json, 'client-route-declined', answer.why!);
      return 1;
    }
  }
  return report(await undoRouting(journal), json);
}

interface RouteAllArgs {
  scan: Scan;
  store: ServerListStore;
  list: ListedServer[];
  env: LocationEnv;
  journal: JournalStore;
  json: boolean;
  yes: boolean;
  gatewayPort: number;
  bundle?: string;
  clients?: ClientId[];
  includeShared?: string[];
}

/** `clients route --all`: every direct entry protected; the shared list first, then the files. */
async function routeAll(a: RouteAllArgs): Promise<number> {
  const { json } = a;
  const state = stateDir(a.env);
  const plan = planRouteAll(a.scan, {
    gatewayPort: a.gatewayPort,
    cliCommand: stableCliPath(state),
    list: a.list,
    clients: a.clients,
    includeShared: a.includeShared,
  });
  for (const s of plan.skipped) {
    write(
      json
        ? `${JSON.stringify(jsonLine('client-route-skipped', { client: s.entry.client, file: s.entry.file, name: s.entry.name, reason: s.reason }))}\n`
        : `not protected: ${CLIENT_NAMES[s.entry.client]} "${s.entry.name}" (${s.entry.file}): ${s.reason}\n`,
    );
  }
  for (const e of a.scan.errors) {
    write(
      json
        ? `${JSON.stringify(jsonLine('client-file-error', { client: e.location.client, file: e.file, message: e.message }))}\n`
        : `unreadable, left alone: ${e.file}: ${e.message}\n`,
    );
  }
  if (plan.edits.length === 0) {
    if (!json) write('Nothing to route: every entry that can be protected already is.\n');
    return a.scan.errors.length ? 1 : 0;
  }
  const stdio = plan.usesCli;
  if (stdio && !a.bundle) {
    process.stderr.write(
      'clients route --all: this build cannot tell where its own CLI file is, so stdio entries cannot be routed; run the installed archon-mcp-doctor\n',
    );
    return 1;
  }
  if (!a.yes) {
    for (const edit of plan.edits)
      write(
        json
          ? `${JSON.stringify(jsonLine('client-route-diff', { file: edit.file, diff: editDiff(edit) }))}\n`
          : `${editDiff(edit)}\n`,
      );
    if (plan.listed.length && !json)
      write(
        `The shared server list (${a.store.file}) gets: ${plan.listed.map((s) => `${s.name} (/${s.slug}/mcp)`).join(', ')}\n`,
      );
    const answer = await confirm(`Write ${plan.edits.length} file${plan.edits.length === 1 ? '' : 's'}?`, json);
    if (!answer.yes) {
      say(json, 'client-route-declined', answer.why!);
      return 1;
    }
  }
  try {
    if (stdio) await installStableCli(state, a.bundle!);
    const up = await a.store.upsert(plan.listed);
    for (const c of up.changed) {
      const planned = plan.listed.find((s) => s.url === c.server.url && s.name === c.server.name);
      if (planned && planned.slug !== c.server.slug)
        throw new Error(
          `the shared server list changed while routing (${c.server.name} is now at /${c.server.slug}/mcp); nothing written, run route --all again`,
        );
      if (c.change !== 'unchanged')
        write(
          json
            ? `${JSON.stringify(jsonLine('server-list-change', { change: c.change, name: c.server.name, slug: c.server.slug, url: shownUrl(c.server.url) }))}\n`
            : `${c.change} to the shared server list: ${c.server.name} (/${c.server.slug}/mcp)\n`,
        );
    }
  } catch (err) {
    process.stderr.write(`clients route --all: ${errorMessage(err)}\n`);
    return 1;
  }
  const code = report(await executeRoute(plan.edits, a.journal), json);
  return a.scan.errors.length ? 1 : code;
}
