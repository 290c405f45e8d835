// Inside the extension host: a server from the shared server list (servers.json, as `servers add … --repeat-safe`
// writes it) is served by the extension's gateway with the list's own repeat rules, as `proxy` serves it —
// not only with the VS Code settings' rules. Seen from the gateway itself: its status endpoint reports, per
// tool of the server's tools/list, whether it is sent again after a crash and which rule decided.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigurationTarget, workspace } from 'vscode';
import { configure, eventually, resetSettings, testApi } from './api';
import { freePort, startFixture, type Fixture } from './fixture';

interface VerdictRow {
  tool: string;
  repeat: boolean;
  reason: string;
  detail: string;
}
interface StatusServer {
  slug: string;
  name: string;
  repeat?: { knownServer?: string; tools: VerdictRow[] };
}

suite("Archon MCP Doctor: the shared server list's repeat rules reach the gateway", function () {
  this.timeout(120_000);
  let fixture: Fixture;
  let dir: string;
  const saved = process.env.ARCHON_MCP_DOCTOR_CONFIG_DIR;

  suiteSetup(async () => {
    fixture = await startFixture();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'archon-suite-list-repeat-'));
    // The extension reads the list's folder at each apply; this one holds one server with a rule.
    process.env.ARCHON_MCP_DOCTOR_CONFIG_DIR = dir;
    fs.writeFileSync(
      path.join(dir, 'servers.json'),
      JSON.stringify(
        {
          servers: [{ name: 'Listed KB', slug: 'listed-kb', url: fixture.url, repeatSafe: ['manage_task'] }],
        },
        null,
        2,
      ),
    );
  });

  suiteTeardown(async () => {
    if (saved === undefined) delete process.env.ARCHON_MCP_DOCTOR_CONFIG_DIR;
    else process.env.ARCHON_MCP_DOCTOR_CONFIG_DIR = saved;
    await workspace.getConfiguration('archonMcp').update('gateway.port', undefined, ConfigurationTarget.Global);
    await workspace
      .getConfiguration('archonMcpDoctor')
      .update('neverRepeatTools', undefined, ConfigurationTarget.Global);
    await resetSettings();
    await fixture?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("a list entry's repeatSafe decides for its tool; the settings' rules still apply beside it", async () => {
    const api = await testApi();
    const port = await freePort();
    // No server in the settings: the extension serves the list alone. The editor's own rule for the same
    // server (by its name) is kept beside the list's.
    await workspace
      .getConfiguration('archonMcpDoctor')
      .update('neverRepeatTools', { 'Listed KB': ['find_projects'] }, ConfigurationTarget.Global);
    await configure([], { 'gateway.port': port });
    await eventually('the listed server watched', () => api.servers().some((s) => s.name === 'Listed KB'), 30_000);
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
    const gatewayUrl = `http://127.0.0.1:${port}/listed-kb/mcp`;
    const client = new Client({ name: 'suite-client', version: '1.0.0' });
    await eventually(
      'the gateway serves the listed server',
      async () => {
        try {
          await client.connect(new StreamableHTTPClientTransport(new URL(gatewayUrl)));
          return true;
        } catch {
          return false;
        }
      },
      30_000,
    );
    try {
      // The gateway learns the tools from a tools/list that passes through it.
      assert.equal((await client.listTools()).tools.length, 16);
    } finally {
      await client.close();
    }
    const rows = await eventually(
      "the gateway's verdicts for the listed server",
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/.well-known/archon-mcp-doctor`);
        const status = (await res.json()) as { servers: StatusServer[] };
        const s = status.servers.find((x) => x.slug === 'listed-kb');
        return (s?.repeat?.tools.length ?? 0) > 0 && s!.repeat!.tools;
      },
      15_000,
    );
    const row = (tool: string) => rows.find((r) => r.tool === tool);
    // The list's rule wins over what is known of Archon's server (manage_* write).
    assert.deepEqual(
      { ...row('manage_task') },
      { tool: 'manage_task', repeat: true, reason: 'your-setting', detail: "repeat-safe by your rule 'manage_task'" },
    );
    assert.equal(row('manage_project')?.repeat, false, JSON.stringify(row('manage_project')));
    assert.equal(row('manage_project')?.reason, 'known-server');
    // The setting's rule: find_projects, a known read, is never sent twice here.
    assert.deepEqual(
      { ...row('find_projects') },
      {
        tool: 'find_projects',
        repeat: false,
        reason: 'your-setting',
        detail: "never repeated by your rule 'find_projects'",
      },
    );
  });
});
