// Runs inside the extension host: a gateway of ours already serves the configured port (here the
// bundled CLI's `proxy`, as when it runs as a service or in Docker). The extension uses it instead of
// starting its own, shows where it runs and its figures from its status endpoint, says when it
// serves another upstream, and takes the port over when it goes away.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { configure, eventually, resetSettings, testApi, type ArchonTestApi, type TreeNodeSnapshot } from './api';
import { freePort, repoRoot, startFixture, type Fixture } from './fixture';

const NAME = 'Archon';

/** Starts `archon-mcp-doctor proxy` from dist/cli.js; resolves with its first JSON line. */
async function startProxy(
  upstream: string,
  port: number,
  stateDir: string,
): Promise<{ child: ChildProcess; url: string }> {
  const cli = path.join(repoRoot(), 'dist/cli.js');
  if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);
  const child = spawn(
    process.execPath,
    [cli, 'proxy', '--upstream', upstream, '--port', String(port), '--name', NAME, '--state-dir', stateDir, '--json'],
    {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let err = '';
  child.stderr?.on('data', (b: Buffer) => (err += b.toString('utf8')));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`proxy did not start within 20 s: ${err}`)), 20_000);
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString('utf8');
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(t);
      resolve(String((JSON.parse(out.slice(0, nl)) as { url: string }).url));
    });
    child.once('exit', (code) => reject(new Error(`proxy exited (${code}): ${err}`)));
  });
  return { child, url };
}

function gatewayNode(nodes: TreeNodeSnapshot[]): TreeNodeSnapshot | undefined {
  return nodes.find((n) => n.label === NAME)?.children?.find((c) => c.label === 'Healing gateway');
}

const child = (node: TreeNodeSnapshot | undefined, label: string) => node?.children?.find((c) => c.label === label);

suite('Archon MCP Doctor: a gateway of ours already serves the port', function () {
  this.timeout(120_000);
  let fixture: Fixture;
  let api: ArchonTestApi;
  let proxy: ChildProcess | undefined;
  let stateDir = '';

  suiteSetup(async () => {
    fixture = await startFixture();
    api = await testApi();
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'archon-held-gateway-'));
  });

  suiteTeardown(async () => {
    proxy?.kill('SIGKILL');
    await fixture?.stop();
    await vscode.workspace
      .getConfiguration('archonMcp')
      .update('gateway.port', undefined, vscode.ConfigurationTarget.Global);
    await resetSettings();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  test('uses it, shows where it runs and its figures, warns on another upstream, takes over when it goes away', async () => {
    const port = await freePort();
    const started = await startProxy(fixture.url, port, stateDir);
    proxy = started.child;
    assert.equal(started.url, `http://127.0.0.1:${port}/archon/mcp`);
    await configure([{ name: NAME, url: fixture.url, transport: 'streamable-http', healthUrl: fixture.healthUrl }], {
      'gateway.port': port,
    });

    const held = await eventually(
      'the tree shows the gateway process as the healing gateway',
      async () => {
        const g = gatewayNode(await api.tree());
        return g?.description === `${started.url} (a gateway process)` && g;
      },
      30_000,
    );
    assert.match(child(held, 'Runs')?.description ?? '', /as a process/);
    assert.ok(child(held, 'Uptime'), 'its uptime is shown');
    assert.equal(child(held, 'Serves another upstream'), undefined, 'same upstream: no warning');

    // A client through the URL the tree shows reaches the fixture through the process's gateway.
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
    const client = new Client({ name: 'held-gateway-client', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(started.url)));
    try {
      assert.equal((await client.listTools()).tools.length, 16);
      await eventually(
        "the tree shows the client and its requests, from the holder's status endpoint",
        async () => {
          const g = gatewayNode(await api.tree());
          return (
            child(g, 'Clients')?.description === '1' && Number(child(g, 'Requests forwarded')?.description) >= 2 && g
          );
        },
        20_000,
      );
    } finally {
      await client.close();
    }

    // Another upstream in the settings: the holder does not serve it, and the tree says so.
    await configure([{ name: NAME, url: 'http://127.0.0.1:9/mcp', transport: 'streamable-http' }], {
      'gateway.port': port,
    });
    const warned = await eventually(
      'a warning about the other upstream',
      async () => child(gatewayNode(await api.tree()), 'Serves another upstream'),
      30_000,
    );
    assert.match(
      warned.description ?? '',
      /forwards to http:\/\/127\.0\.0\.1:\d+\/mcp, not to http:\/\/127\.0\.0\.1:9\/mcp/,
    );

    // The process goes away: the extension's own gateway takes the port.
    await configure([{ name: NAME, url: fixture.url, transport: 'streamable-http', healthUrl: fixture.healthUrl }], {
      'gateway.port': port,
    });
    proxy.kill('SIGTERM');
    await eventually(
      'the extension serves the port itself',
      async () => {
        const g = gatewayNode(await api.tree());
        return (
          g?.description === `http://127.0.0.1:${port}/archon/mcp` && child(g, 'Clients') && !child(g, 'Runs') && g
        );
      },
      30_000,
    );
  });
});
