// Every MCP server the user has, protected in one step: a temporary home whose six clients name real
// servers (HTTP, SSE, stdio), `clients --json` lists every entry, `route --all --yes` rewrites them,
// the gateway serves the routed HTTP entries from the shared list across a restart of their upstream
// and follows edits of the list, and `unroute` gives back every byte.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { readSupervisedStates } from '../../src/core/clients';
import { connectClient, textOf } from '../gateway/util';
import { MEMORY_JS, layEveryHome, type EveryHome } from '../helpers/every-home';
import { readJsonLine } from '../helpers/json-lines';
import { freePort, sleep } from '../helpers/wait';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
type Line = Record<string, unknown>;

let h: EveryHome;
let gatewayPort: number;
const children: ChildProcess[] = [];
before(async () => {
  h = await layEveryHome();
  gatewayPort = await freePort();
});
after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await h?.remove();
});

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    env: h.env,
    cwd: h.workspace,
    encoding: 'utf8',
    input: '',
    timeout: 30_000,
  });
  const lines = () =>
    r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => readJsonLine(l) as Line);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, lines };
}

const USER_FILES = [
  'home/.claude.json',
  'home/.cursor/mcp.json',
  'home/.codeium/windsurf/mcp_config.json',
  'home/.config/Code/User/mcp.json',
  'home/.config/Claude/claude_desktop_config.json',
  'home/.codex/config.toml',
];
const launcher = () => path.join(h.home, '.local', 'state', 'archon-mcp-doctor', 'bin', 'archon-mcp-doctor');

test('clients --json lists every entry of every client with its transport, protection and server; secrets stay hidden', () => {
  const r = cli(['clients', '--json', '--workspace', h.workspace, '--gateway-port', String(gatewayPort)]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stdout.includes('secret-token-123'), 'the Windsurf bearer token is never printed');
  const entries = r.lines().filter((l) => l.type === 'client-entry');
  const got = entries.map((l) => `${l.client}/${l.scope}/${l.name}/${l.transport}/${l.protection}`).sort();
  assert.deepEqual(got, [
    'claude-code/project/everything/stdio/direct',
    'claude-code/user/everything-http/http/direct',
    'claude-code/user/memory/stdio/direct',
    'claude-code/workspace/team-memory/stdio/direct',
    'claude-desktop/user/everything/stdio/direct',
    'claude-desktop/user/memory/stdio/direct',
    'codex/user/everything/http/direct',
    'codex/user/fetch/stdio/direct',
    'cursor/user/everything-sse/sse/direct',
    'cursor/user/memory/stdio/direct',
    'vscode/user/everything-http/http/direct',
    'vscode/user/everything-sse/sse/direct',
    'vscode/user/everything-stdio/stdio/direct',
    'windsurf/user/everything/http/direct',
  ]);
  const servers = r.lines().filter((l) => l.type === 'mcp-server');
  const byId = new Map(servers.map((s) => [s.id, s]));
  // The same URL in four clients is one server; the same command line in three clients is one server.
  const http = servers.find((s) => s.transport === 'http');
  assert.deepEqual(http?.clients, ['claude-code', 'windsurf', 'vscode', 'codex'], JSON.stringify(servers));
  assert.equal(http?.entries, 4);
  const memory = servers.find((s) => String(s.target).includes('server-memory'));
  assert.equal(memory?.entries, 4, 'claude user, the shared .mcp.json, cursor, claude desktop');
  for (const e of entries) assert.ok(byId.has(e.serverId), `${e.name} names its server`);
  assert.equal(servers.length, 5, JSON.stringify(servers.map((s) => s.name)));
});

let proxy: ChildProcess | undefined;
const proxyLines: Line[] = [];

test('route --all --yes protects every entry that can be, says why for the rest, and fills the shared list', async () => {
  const r = cli([
    'clients',
    'route',
    '--all',
    '--yes',
    '--json',
    '--workspace',
    h.workspace,
    '--gateway-port',
    String(gatewayPort),
  ]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const lines = r.lines();
  assert.deepEqual(
    lines
      .filter((l) => l.type === 'client-route')
      .map((l) => [path.relative(h.root, String(l.file)), l.outcome])
      .sort(),
    USER_FILES.map((f) => [f, 'written']).sort(),
  );
  const skipped = lines.filter((l) => l.type === 'client-route-skipped');
  assert.deepEqual(skipped.map((l) => `${l.client}/${l.name}`).sort(), [
    'cursor/everything-sse',
    'vscode/everything-sse',
  ]);
  for (const s of skipped) assert.match(String(s.reason), /legacy HTTP\+SSE/);
  assert.ok(
    h.actual('workspace/.mcp.json').equals(h.originals.get('workspace/.mcp.json')!),
    'the shared project file is left alone',
  );
  assert.deepEqual(
    lines
      .filter((l) => l.type === 'server-list-change')
      .map((l) => [l.change, l.slug])
      .sort(),
    [
      ['added', 'everything'],
      ['added', 'everything-http'],
    ],
  );
  assert.ok(!r.stdout.includes('secret-token-123'));

  // stdio entries run the stable copy of the CLI with the original command after `--`; env kept.
  const claude = JSON.parse(h.actual('home/.claude.json').toString());
  assert.deepEqual(claude.mcpServers.memory, {
    type: 'stdio',
    command: launcher(),
    args: ['stdio', '--', 'node', MEMORY_JS],
    env: { MEMORY_FILE_PATH: path.join(h.home, 'memory.jsonl') },
  });
  assert.deepEqual(
    claude.projects[h.workspace].mcpServers['team-memory'],
    {
      command: launcher(),
      args: ['stdio', '--', 'node', MEMORY_JS],
      env: { MEMORY_FILE_PATH: path.join(h.workspace, 'team-memory.jsonl') },
    },
    'a local-scope entry overrides the shared one',
  );
  assert.equal(claude.mcpServers['everything-http'].url, `http://127.0.0.1:${gatewayPort}/everything-http/mcp`);
  assert.equal(claude.userID, '0123456789abcdef', 'unknown fields kept');
  const cursor = h.actual('home/.cursor/mcp.json').toString();
  assert.ok(!/[^\r]\n/.test(cursor), 'CRLF kept');
  const windsurf = JSON.parse(h.actual('home/.codeium/windsurf/mcp_config.json').toString());
  assert.deepEqual(windsurf.mcpServers.everything, {
    serverUrl: `http://127.0.0.1:${gatewayPort}/everything/mcp`,
    headers: { Authorization: 'Bearer secret-token-123' },
    disabled: false,
  });
  const vscode = h.actual('home/.config/Code/User/mcp.json').toString();
  assert.match(vscode, /\/\/ Servers for Copilot agent mode\./, 'comments kept');
  assert.match(vscode, new RegExp(`"command": "${launcher().replace(/[/.]/g, '\\$&')}"`));
  const codex = h.actual('home/.codex/config.toml').toString();
  assert.match(
    codex,
    new RegExp(`^url = "http://127\\.0\\.0\\.1:${gatewayPort}/everything-http/mcp" # Streamable HTTP$`, 'm'),
  );
  assert.match(codex, /^# a Python server through uv; uvx is not installed on this machine$/m);
  assert.match(codex, /args = \["stdio", "--", "uvx", "mcp-server-fetch"\]/);

  // The launcher runs with no PATH at all (Claude Desktop on macOS starts servers with a minimal one).
  const version = spawnSync(launcher(), ['--version'], { env: {}, encoding: 'utf8' });
  assert.equal(version.status, 0, version.stderr);
  assert.match(version.stdout, /^\d+\.\d+\.\d+/);

  const list = cli(['servers', '--json']);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(
    list.lines().map((l) => [l.slug, l.headers]),
    [
      ['everything-http', undefined],
      ['everything', ['Authorization']],
    ],
  );
  assert.ok(!list.stdout.includes('secret-token-123'));

  const listed = cli(['clients', '--json', '--workspace', h.workspace, '--gateway-port', String(gatewayPort)])
    .lines()
    .filter((l) => l.type === 'client-entry');
  const direct = listed
    .filter((l) => l.protection === 'direct')
    .map((l) => `${l.client}/${l.name}`)
    .sort();
  assert.deepEqual(
    direct,
    ['claude-code/team-memory', 'cursor/everything-sse', 'vscode/everything-sse'],
    'only the SSE entries and the overridden shared entry stay direct',
  );
  assert.equal(
    listed.find((l) => l.client === 'claude-code' && l.name === 'team-memory' && l.scope === 'project')?.protection,
    'supervisor',
  );
});

test('proxy with no --upstream serves every routed HTTP entry across a restart of its upstream, and follows the list', async () => {
  proxy = spawn(
    process.execPath,
    [CLI, 'proxy', '--json', '--port', String(gatewayPort), '--state-dir', path.join(h.root, 'gateway-state')],
    { env: h.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(proxy);
  let buf = '';
  let err = '';
  proxy.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  proxy.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    proxyLines.push(...parts.filter(Boolean).map((l) => readJsonLine(l) as Line));
  });
  for (let i = 0; i < 100 && !proxyLines.some((l) => l.type === 'listening'); i++) await sleep(100);
  assert.ok(
    proxyLines.some((l) => l.type === 'listening'),
    `proxy listening: ${err}`,
  );

  const urls = [
    `http://127.0.0.1:${gatewayPort}/everything-http/mcp`,
    `http://127.0.0.1:${gatewayPort}/everything/mcp`,
  ];
  const clients = await Promise.all(urls.map((u) => connectClient(u)));
  try {
    for (const c of clients)
      assert.equal(textOf(await c.client.callTool({ name: 'echo', arguments: { message: 'before' } })), 'Echo: before');
    await h.http.restart({ delayMs: 300 });
    for (const c of clients)
      assert.equal(
        textOf(await c.client.callTool({ name: 'echo', arguments: { message: 'after' } })),
        'Echo: after',
        'answered through the gateway after the restart',
      );
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }

  // A server added to the list is served without restarting the proxy.
  // The same URL is the same server ("unchanged"); another one is added.
  assert.match(cli(['servers', 'add', 'Extra One', h.http.url]).stdout, /^unchanged: everything-http /);
  assert.match(
    cli(['servers', 'add', 'Extra One', `${h.http.url}?via=extra`]).stdout,
    /^added: Extra One at \/extra-one\/mcp/,
  );
  let extra: Awaited<ReturnType<typeof connectClient>> | undefined;
  for (let i = 0; i < 50 && !extra; i++) {
    extra = await connectClient(`http://127.0.0.1:${gatewayPort}/extra-one/mcp`).catch(() => undefined);
    if (!extra) await sleep(200);
  }
  assert.ok(extra, `the new server is served: ${JSON.stringify(proxyLines)} ${err}`);
  assert.equal(textOf(await extra.client.callTool({ name: 'echo', arguments: { message: 'new' } })), 'Echo: new');
  await extra.close();
  const restarts = proxyLines.filter((l) => l.type === 'listening').length;
  assert.equal(cli(['servers', 'remove', 'Extra One']).code, 0);
  // A list edit restarts the proxy's gateway (after a 300 ms debounce), and a gateway that stops answers a
  // 2026-07-28 request in flight with a bare HTTP 499 (Claude Code: "tools fetch failed · Error POSTing to
  // endpoint: "). The tests below ask Claude Code about the routed files, not about a reload: wait for it.
  for (let i = 0; i < 150 && proxyLines.filter((l) => l.type === 'listening').length === restarts; i++)
    await sleep(100);
  assert.ok(
    proxyLines.filter((l) => l.type === 'listening').length > restarts,
    `the proxy applied the removal: ${JSON.stringify(proxyLines.slice(-5))} ${err}`,
  );
});

// The real Claude Code CLI reads the routed ~/.claude.json (no login needed for `mcp list`).
const CLAUDE =
  spawnSync('bash', [path.resolve(__dirname, '../../scripts/setup-claude-code.sh')], {
    encoding: 'utf8',
    timeout: 600_000,
  })
    .stdout?.trim()
    .split('\n')
    .at(-1) ?? '';
const noClaude =
  !CLAUDE && process.env.CI !== 'true'
    ? 'needs the Claude Code CLI (scripts/setup-claude-code.sh could not install it)'
    : false;

function claudeMcpList(): Map<string, string> {
  assert.ok(CLAUDE, 'the Claude Code CLI is needed (CI=true)');
  const r = spawnSync(CLAUDE, ['mcp', 'list'], {
    cwd: h.workspace,
    env: { ...h.env, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  return new Map(
    r.stdout
      .split('\n')
      .map((l) => /^([\w-]+): (.*)$/.exec(l))
      .filter((m): m is RegExpExecArray => Boolean(m))
      .map((m) => [m[1], m[2]]),
  );
}

test('claude mcp list: the routed HTTP entry is connected through the gateway', { skip: noClaude }, () => {
  const list = claudeMcpList();
  assert.match(
    list.get('everything-http') ?? '',
    new RegExp(`^http://127\\.0\\.0\\.1:${gatewayPort}/everything-http/mcp \\(HTTP\\) - ✔ Connected`),
    JSON.stringify([...list]),
  );
  // The local-scope entry we wrote wins over the shared .mcp.json entry of the same name.
  assert.match(
    list.get('team-memory') ?? '',
    new RegExp(`^${launcher().replace(/[/.]/g, '\\$&')} stdio -- node `),
    JSON.stringify([...list]),
  );
});

test('claude mcp list: every routed stdio entry is connected through the supervisor', { skip: noClaude }, () => {
  const list = claudeMcpList();
  for (const name of ['memory', 'everything', 'team-memory'])
    assert.match(
      list.get(name) ?? '',
      new RegExp(`^${launcher().replace(/[/.]/g, '\\$&')} stdio -- node .* - ✔ Connected`),
      `${name}: ${JSON.stringify([...list])}`,
    );
});

test('each routed stdio entry, spawned exactly as its file says, is supervised and survives a SIGKILL of its server', async () => {
  const claude = JSON.parse(h.actual('home/.claude.json').toString()) as {
    mcpServers: Record<string, { command: string; args: string[]; env?: Record<string, string> }>;
  };
  const entry = claude.mcpServers.memory;
  const state = path.join(h.home, '.local', 'state', 'archon-mcp-doctor');
  const transport = new StdioClientTransport({
    command: entry.command,
    args: entry.args,
    env: { ...(h.env as Record<string, string>), ...entry.env },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'every-test', version: '1.0.0' });
  await client.connect(transport);
  try {
    await client.callTool({ name: 'read_graph', arguments: {} });
    const mine = async () =>
      (await readSupervisedStates(state)).find((s) => s.command.includes(MEMORY_JS) && !s.stale && s.serverPid);
    let sup: Awaited<ReturnType<typeof mine>>;
    for (let i = 0; i < 50 && !(sup = await mine()); i++) await sleep(100);
    assert.ok(sup?.serverPid, 'the supervisor wrote its state file with the server pid');
    process.kill(sup.serverPid, 'SIGKILL');
    await client.callTool({ name: 'read_graph', arguments: {} });
    const after = await mine();
    assert.ok(after && after.restarts >= 1 && after.serverPid !== sup.serverPid, `restarted: ${JSON.stringify(after)}`);
  } finally {
    await client.close();
  }
});

test('stop the gateway', async () => {
  proxy?.kill('SIGTERM');
  if (proxy && proxy.exitCode === null) await new Promise((r) => proxy!.once('exit', r));
});

test('unroute --yes puts back every byte of every file; ~/.claude.json, which Claude Code rewrote, gets its entries back', () => {
  const r = cli(['clients', 'unroute', '--yes', '--json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(
    r.lines().map((l) => l.outcome),
    USER_FILES.map(() => 'restored'),
  );
  const claudeRan = !h.actual('home/.claude.json').equals(h.originals.get('home/.claude.json')!);
  for (const [rel, bytes] of h.originals)
    if (rel !== 'home/.claude.json' || !claudeRan) assert.ok(h.actual(rel).equals(bytes), `${rel} byte for byte`);
  if (claudeRan) {
    const now = JSON.parse(h.actual('home/.claude.json').toString());
    const was = JSON.parse(h.originals.get('home/.claude.json')!.toString());
    assert.deepEqual(now.mcpServers, was.mcpServers);
    assert.deepEqual(
      now.projects[h.workspace].mcpServers,
      was.projects[h.workspace].mcpServers,
      'the local-scope entry we added is gone again',
    );
  }
});
