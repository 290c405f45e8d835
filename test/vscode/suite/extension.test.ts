// Runs inside the extension host (desktop VS Code via @vscode/test-electron, or code-server via
// scripts/run-vscode-tests.mjs), against a live Archon-like fixture server.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import {
  COMMANDS,
  EXTENSION_ID,
  activateExtension,
  configure,
  eventually,
  resetSettings,
  server,
  testApi,
  type ArchonTestApi,
  type TreeNodeSnapshot,
} from './api';
import { startFixture, type Fixture } from './fixture';

const ERROR_BACKGROUND = 'statusBarItem.errorBackground';
const LOST_STATES = ['session-lost', 'unreachable', 'healing', 'connecting'];

suite('Archon MCP Doctor: activation', () => {
  test('the extension is installed and activates', async () => {
    const ext = await activateExtension();
    assert.equal(ext.isActive, true);
    assert.equal(ext.id.toLowerCase(), EXTENSION_ID);
    const pkg = ext.packageJSON as { activationEvents?: string[]; extensionKind?: string[] };
    assert.ok(pkg.activationEvents?.includes('onStartupFinished'), 'activates onStartupFinished');
    assert.deepEqual(pkg.extensionKind, ['workspace']);
  });

  test('every contributed command is registered', async () => {
    const ext = await activateExtension();
    const contributed = ((ext.packageJSON.contributes?.commands ?? []) as { command: string }[]).map((c) => c.command);
    for (const c of COMMANDS) assert.ok(contributed.includes(c), `package.json contributes ${c}`);
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((c) => !registered.has(c));
    assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });

  test('contributes the "Archon MCP" view container with the servers view', async () => {
    const ext = await activateExtension();
    const c = ext.packageJSON.contributes as {
      viewsContainers?: { activitybar?: { id: string; title: string }[] };
      views?: Record<string, { id: string }[]>;
    };
    const container = c.viewsContainers?.activitybar?.find((v) => v.title === 'Archon MCP');
    assert.ok(container, 'an activity bar container titled "Archon MCP"');
    assert.ok(
      c.views?.[container.id]?.some((v) => v.id === 'archonMcp.servers'),
      'view archonMcp.servers in it',
    );
  });
});

suite('Archon MCP Doctor: against a live fixture server', function () {
  this.timeout(120_000);
  let fixture: Fixture;
  let api: ArchonTestApi;
  const NAME = 'Archon';

  suiteSetup(async () => {
    fixture = await startFixture();
    api = await testApi();
    await configure([{ name: NAME, url: fixture.url, transport: 'streamable-http', healthUrl: fixture.healthUrl }], {
      pingIntervalSeconds: 2,
    });
  });

  suiteTeardown(async () => {
    await fixture?.stop();
    await resetSettings();
  });

  const healthy = (min?: { notSession?: string }) =>
    eventually(
      `${NAME} healthy${min?.notSession ? ' with a new session id' : ''}`,
      () => {
        const s = server(api, NAME);
        return s?.state === 'healthy' && s.sessionId && s.sessionId !== min?.notSession ? s : undefined;
      },
      60_000,
    );

  const flatten = (nodes: TreeNodeSnapshot[]): TreeNodeSnapshot[] =>
    nodes.flatMap((n) => [n, ...flatten(n.children ?? [])]);

  test('reaches healthy; the status bar item and the tree reflect it', async () => {
    const s = await healthy();
    assert.ok(s.sessionId);
    const bar = api.statusBar();
    assert.match(bar.text, /Archon/);
    assert.notEqual(bar.backgroundColor, ERROR_BACKGROUND);
    const tree = await api.tree();
    const node = tree.find((n) => n.label === NAME);
    assert.ok(node, `tree lists ${NAME}: ${JSON.stringify(tree)}`);
    assert.match(node.description ?? '', /healthy/i);
    const all = flatten(node.children ?? []);
    assert.ok(
      all.some((c) => `${c.label} ${c.description ?? ''}`.includes(s.sessionId!.slice(0, 8))),
      `a child shows the session id: ${JSON.stringify(node.children)}`,
    );
  });

  test('after the fixture restarts, passes through the loss and comes back healthy with a new session id', async () => {
    const before = await healthy();
    const seenBefore = before.transitions?.length ?? 0;
    await fixture.restart(500);
    const after = await healthy({ notSession: before.sessionId });
    assert.notEqual(after.sessionId, before.sessionId);
    const passed = (after.transitions ?? []).slice(seenBefore).map((t) => t.to);
    assert.ok(
      passed.some((st) => LOST_STATES.includes(st)),
      `went through a loss state on the way back (transitions since: ${passed.join(' → ')})`,
    );
  });

  test('the status bar item shows the error look while the server is down, and heals on its own', async () => {
    await healthy();
    await fixture.kill();
    try {
      await eventually(
        'the status bar error background',
        () => api.statusBar().backgroundColor === ERROR_BACKGROUND,
        30_000,
      );
      assert.match(server(api, NAME)?.state ?? '', /unreachable|session-lost|needs-attention/);
    } finally {
      await fixture.start();
    }
    await healthy();
    await eventually('the error background to go', () => api.statusBar().backgroundColor !== ERROR_BACKGROUND, 30_000);
  });

  test('"Reconnect MCP" reconnects', async () => {
    const before = await healthy();
    const logBefore = api.logLines().length;
    await vscode.commands.executeCommand('archonMcp.reconnect');
    const after = await healthy();
    const newLines = api.logLines().slice(logBefore).join('\n');
    assert.notEqual(
      after.sessionId,
      before.sessionId,
      `a fresh session after the reconnect; log: ${newLines.slice(0, 500)}`,
    );
    assert.match(newLines, /reconnect finished/i, 'the log tells the reconnect');
  });

  test('the output channel received the transitions', async () => {
    await healthy();
    const log = api.logLines().join('\n');
    assert.match(log, new RegExp(NAME));
    assert.match(log, /healthy/);
    assert.match(log, /unreachable|session-lost/, 'the outage of the previous tests is in the log');
  });

  test('settings changes apply without a reload', async () => {
    const second = await startFixture();
    try {
      await configure([{ name: 'Second', url: second.url, transport: 'streamable-http' }]);
      await eventually('Second healthy', () => server(api, 'Second')?.state === 'healthy', 60_000);
      await eventually(`${NAME} no longer watched`, () => !server(api, NAME), 10_000);
    } finally {
      await configure([{ name: NAME, url: fixture.url, transport: 'streamable-http', healthUrl: fixture.healthUrl }]);
      await second.stop();
    }
    await healthy();
  });

  test('an invalid setting is reported and the valid servers keep being watched', async () => {
    const logBefore = api.logLines().length;
    await configure([
      { name: 'Broken', url: 'not a url', transport: 'carrier-pigeon' },
      { name: NAME, url: fixture.url, transport: 'streamable-http' },
    ]);
    const reported = await eventually(
      'the invalid entry reported in the log',
      () => {
        const lines = api.logLines().slice(logBefore).join('\n');
        return /Broken|not a url|carrier-pigeon/.test(lines) && lines;
      },
      15_000,
    );
    assert.match(reported, /invalid|not an? (valid|http)|ignored|unknown transport/i);
    await healthy();
    assert.equal(server(api, 'Broken')?.state ?? 'not watched', 'not watched');
  });

  test('a client connected through the gateway keeps its session across a server restart', async () => {
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
    const gatewayUrl = await eventually(
      'the gateway node in the tree',
      async () => {
        const node = (await api.tree())
          .find((n) => n.label === NAME)
          ?.children?.find((c) => c.label === 'Healing gateway');
        return node?.description?.match(/http:\/\/127\.0\.0\.1:\d+\/[a-z0-9-]+\/mcp/)?.[0];
      },
      30_000,
    );
    const client = new Client({ name: 'suite-client', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(gatewayUrl));
    await client.connect(transport);
    try {
      const before = await client.listTools();
      assert.equal(before.tools.length, 16, "Archon's 16 tools through the gateway");
      const session = transport.sessionId;
      await fixture.restart(300);
      const after = await client.listTools();
      assert.equal(after.tools.length, 16, 'answered after the restart without reconnecting');
      assert.equal(transport.sessionId, session, 'the client kept its session id');
      await eventually(
        'the tree counts a healed request',
        async () => {
          const healed = (await api.tree())
            .find((n) => n.label === NAME)
            ?.children?.find((c) => c.label === 'Healing gateway')
            ?.children?.find((c) => c.label === 'Requests healed');
          return /^[1-9]/.test(healed?.description ?? '') && healed;
        },
        10_000,
      );
    } finally {
      await client.close();
    }
  });
});
