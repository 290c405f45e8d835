// The Clients section inside the extension host: a fixture home (test/fixtures/clients/before) with every
// client's configuration; the tree lists every entry (Archon's and the other servers'), "Route Clients Through Gateway" rewrites them to the
// running gateway, "Undo Client Routing" puts every byte back, and a file a client rewrites is re-read.
// HOME is switched for this extension host process only while the suite runs: the extension reads the
// client locations at each scan, as it must (HOME, XDG_CONFIG_HOME, APPDATA are honoured then).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { configure, eventually, resetSettings, testApi, type ArchonTestApi, type TreeNodeSnapshot } from './api';
import { repoRoot } from './fixture';

const LOCATION_VARS = [
  'HOME',
  'XDG_CONFIG_HOME',
  'XDG_STATE_HOME',
  'APPDATA',
  'LOCALAPPDATA',
  'CLAUDE_CONFIG_DIR',
  'CODEX_HOME',
  'ARCHON_MCP_DOCTOR_STATE_DIR',
];
const DEFAULT_GATEWAY = 'http://127.0.0.1:18051/archon/mcp';
const USER_FILES = [
  '.claude.json',
  '.cursor/mcp.json',
  '.codeium/windsurf/mcp_config.json',
  '.config/Code/User/mcp.json',
  '.config/Claude/claude_desktop_config.json',
  '.codex/config.toml',
];

suite('Archon MCP Doctor: clients', function () {
  this.timeout(120_000);
  let api: ArchonTestApi;
  let root: string;
  let home: string;
  const saved: Record<string, string | undefined> = {};
  const fixtures = () => path.join(repoRoot(), 'test/fixtures/clients');
  const fill = (text: string) => text.replaceAll('__WORKSPACE__', path.join(root, 'workspace'));
  const expected = (which: 'before' | 'after', rel: string, gateway = DEFAULT_GATEWAY) =>
    fill(fs.readFileSync(path.join(fixtures(), which, 'home', rel), 'utf8')).replaceAll(DEFAULT_GATEWAY, gateway);
  const actual = (rel: string) => fs.readFileSync(path.join(home, rel), 'utf8');

  const clientsNode = async (): Promise<TreeNodeSnapshot | undefined> =>
    (await api.tree()).find((n) => n.label === 'Clients');

  suiteSetup(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'archon-suite-clients-'));
    home = path.join(root, 'home');
    fs.cpSync(path.join(fixtures(), 'before', 'home'), home, { recursive: true });
    fs.writeFileSync(path.join(home, '.claude.json'), fill(fs.readFileSync(path.join(home, '.claude.json'), 'utf8')));
    for (const v of LOCATION_VARS) saved[v] = process.env[v];
    for (const v of LOCATION_VARS) delete process.env[v];
    process.env.HOME = home;
    api = await testApi();
    // The fixture files point at Archon's default URL; nothing needs to answer there for the Clients section.
    await configure([{ name: 'Archon', url: 'http://localhost:8051/mcp', transport: 'streamable-http' }]);
  });

  suiteTeardown(async () => {
    for (const v of LOCATION_VARS) {
      if (saved[v] === undefined) delete process.env[v];
      else process.env[v] = saved[v];
    }
    await resetSettings();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('the Clients section lists every entry of every client file (HTTP, SSE, stdio) with transport and protection', async () => {
    const node = await eventually('a Clients section with six clients', async () => {
      const n = await clientsNode();
      return (n?.children?.length ?? 0) >= 6 && n;
    });
    assert.deepEqual(node.children!.map((c) => c.label).sort(), [
      'Claude Code',
      'Claude Desktop',
      'Codex CLI',
      'Cursor',
      'VS Code',
      'Windsurf',
    ]);
    const claude = node.children!.find((c) => c.label === 'Claude Code')!;
    assert.deepEqual(claude.children!.map((e) => `${e.label}: ${e.description}`).sort(), [
      'archon-win: project · http · direct · .claude.json',
      'archon: user · http · direct · .claude.json',
      'playwright: user · stdio · direct · .claude.json',
    ]);
    // Not only Archon's: Cursor's GitHub server (stdio in Docker), Windsurf's remote Zapier one (SSE), Codex's context7.
    const entries = (label: string) =>
      node.children!.find((c) => c.label === label)!.children!.map((e) => `${e.label}: ${e.description}`);
    assert.deepEqual(entries('Cursor'), [
      'archon: user · http · direct · mcp.json',
      'github: user · stdio · direct · mcp.json',
    ]);
    assert.deepEqual(entries('Windsurf'), [
      'zapier: user · sse · direct · mcp_config.json',
      'Archon: user · http · direct · mcp_config.json',
    ]);
    assert.deepEqual(entries('Codex CLI'), [
      'archon: user · http · direct · config.toml',
      'context7: user · stdio · direct · config.toml',
    ]);
    assert.equal(
      node.children!.reduce((n, c) => n + (c.children?.length ?? 0), 0),
      13,
      'the 13 entries of the six files',
    );
    assert.match(node.description ?? '', /^13 direct$/);
    await eventually('the status bar line about direct clients', () =>
      /7 clients talk to Archon directly — \[Route them\]\(command:archonMcp\.routeClients\)/.test(
        api.statusBar().tooltip ?? '',
      ),
    );
  });

  test('"Route Clients Through Gateway" rewrites them to the gateway; "Undo Client Routing" restores every byte', async () => {
    await eventually('the entries', async () => ((await clientsNode())?.children?.length ?? 0) >= 6);
    const outcomes = (await vscode.commands.executeCommand('archonMcp.routeClients', { yes: true })) as {
      file: string;
      outcome: string;
      message: string;
    }[];
    assert.deepEqual(
      outcomes.map((o) => o.outcome),
      USER_FILES.map(() => 'written'),
      JSON.stringify(outcomes),
    );
    const gateway = (JSON.parse(actual('.cursor/mcp.json')) as { mcpServers: { archon: { url: string } } }).mcpServers
      .archon.url;
    assert.match(gateway, /^http:\/\/127\.0\.0\.1:\d+\/archon\/mcp$/, "the running gateway's URL");
    // No workspace folder is open here, so ~/.claude.json gets no local-scope entry for the fixture workspace
    // (test/integration/clients-cli.test.ts covers that): only its two direct URLs change.
    const claude = expected('before', '.claude.json')
      .replace('"url": "http://localhost:8051/mcp"', `"url": "${gateway}"`)
      .replace('"url": "http://127.0.0.1:8051/mcp/"', `"url": "${gateway}"`);
    assert.equal(actual('.claude.json'), claude, '.claude.json');
    for (const rel of USER_FILES.slice(1)) assert.equal(actual(rel), expected('after', rel, gateway), rel);
    // Archon's entries are routed; the other servers' six entries stay direct (this route was for Archon only).
    const node = await eventually('every Archon entry protected', async () => {
      const n = await clientsNode();
      return n?.description === '6 direct' && n;
    });
    const rows = node.children!.flatMap((c) => c.children!.map((e) => `${c.label}: ${e.label}: ${e.description}`));
    assert.deepEqual(
      rows
        .filter((r) => / · direct · /.test(r))
        .map((r) => r.split(': ').slice(0, 2).join(': '))
        .sort(),
      [
        'Claude Code: playwright',
        'Claude Desktop: filesystem',
        'Codex CLI: context7',
        'Cursor: github',
        'VS Code: memory',
        'Windsurf: zapier',
      ],
    );
    assert.ok(
      rows.filter((r) => /rchon/.test(r)).every((r) => / · gateway · /.test(r)),
      JSON.stringify(rows),
    );

    const undone = (await vscode.commands.executeCommand('archonMcp.undoClientRouting', { yes: true })) as {
      outcome: string;
    }[];
    assert.deepEqual(
      undone.map((o) => o.outcome),
      USER_FILES.map(() => 'restored'),
    );
    for (const rel of USER_FILES) assert.equal(actual(rel), expected('before', rel), rel);
    await eventually('direct again', async () => (await clientsNode())?.description === '13 direct');
  });

  test('a file a client rewrites is re-read: the tree follows without a refresh', async () => {
    await eventually('direct entries', async () => (await clientsNode())?.description === '13 direct');
    fs.writeFileSync(
      path.join(home, '.cursor/mcp.json'),
      '{\n  "mcpServers": {\n    "archon": { "url": "http://127.0.0.1:18051/archon/mcp" }\n  }\n}\n',
    );
    await eventually(
      'Cursor protected after its file changed',
      async () => (await clientsNode())?.children?.find((c) => c.label === 'Cursor')?.description === '1/1 protected',
      15_000,
    );
    fs.writeFileSync(path.join(home, '.codex/config.toml'), '[mcp_servers.archon\nurl = "http://localhost:8051/mcp"\n');
    const unreadable = await eventually(
      'the broken Codex file shown as unreadable',
      async () => (await clientsNode())?.children?.find((c) => c.label === 'Codex CLI: unreadable'),
      15_000,
    );
    assert.equal(unreadable.description, 'config.toml');
  });
});
