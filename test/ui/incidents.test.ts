// UI test: restarts that happened while no window was open, as the user meets them when VS Code opens:
// the while-you-were-away notification (a call may have run twice), the tree's Incidents node, and the
// incident timeline webview (hover a mark: its record). The REAL packaged extension in code-server; the
// incidents come from a REAL `proxy` process (its status endpoint on the port the window's gateway uses).
//
//   npm run package && npm run build; bash scripts/setup-code-server.sh
//   node --import tsx --test test/ui/incidents.test.ts        (screenshots in test-results/ui/incidents/)
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { startProxy, type ProxyProcess } from '../gateway/cli';
import { connectClient, sleep, textOf } from '../gateway/util';
import { freePort, startServer, type RunningServer } from '../helpers/servers';
import { REPO_ROOT, openWorkbench, startCodeServer, type CodeServer, type Workbench } from '../vscode/code-server';
import { createDriver, uiTestParts, type Driver } from './driver';

const SHOTS = path.join(REPO_ROOT, 'test-results', 'ui', 'incidents');
const STEP_TIMEOUT = 120_000;
const { tools, vsix, gate } = uiTestParts();

describe(
  'incidents in the window: while you were away, the tree, the timeline',
  { skip: gate && !gate.fail ? gate.message : false },
  () => {
    let fixture: RunningServer;
    let proxy: ProxyProcess;
    let server: CodeServer;
    let wb: Workbench;
    let page: Page;
    let ui: Driver;
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ui-incidents-'));

    before(async () => {
      if (gate) throw new Error(gate.message);
      fs.rmSync(SHOTS, { recursive: true, force: true });
      fs.mkdirSync(SHOTS, { recursive: true });
      fixture = await startServer('fixture', { testTools: true });
      const port = await freePort();
      proxy = startProxy([
        '--upstream',
        fixture.url,
        '--port',
        String(port),
        '--state-dir',
        stateDir,
        '--name',
        'Archon',
        '--hold-timeout',
        '20',
      ]);
      const url = String((await proxy.waitFor((l) => l.type === 'listening')).url);

      // While no window runs: two restarts of the server behind the proxy.
      const c = await connectClient(url);
      try {
        await c.client.callTool({ name: 'test_read', arguments: {} });
        // 1. Restarted while a call waited: held, answered (all healed).
        await fixture.kill();
        const held = c.client.callTool({ name: 'test_read', arguments: {} });
        await sleep(800);
        await fixture.restart();
        assert.match(textOf(await held), /executions/);
        // 2. Crashed in the middle of a write: the gateway must not repeat it, so it may or may not have run.
        const write = await c.client
          .callTool({ name: 'test_write', arguments: { key: 'ui', crashBeforeReply: true } })
          .then(
            () => 'answered',
            (e: Error) => e.message,
          );
        assert.match(write, /may or may not have run/);
        await fixture.restart();
        assert.match(textOf(await c.client.callTool({ name: 'test_read', arguments: {} })), /executions/);
      } finally {
        await c.close();
      }
      await proxy.waitFor((l) => l.type === 'reinitialized' || l.type === 'held');

      server = await startCodeServer({
        tools,
        vsix: [vsix!],
        logFile: path.join(SHOTS, 'code-server.log'),
        userSettings: {
          'archonMcp.servers': [
            { name: 'Archon', url: fixture.url, transport: 'streamable-http', healthUrl: fixture.healthUrl },
          ],
          'archonMcp.pingIntervalSeconds': 2,
          // The window's gateway finds the proxy on its port and defers to it: its status endpoint has the incidents.
          'archonMcp.gateway.port': port,
        },
      });
      wb = await openWorkbench(server, tools, { viewport: { width: 1400, height: 1000 } });
      page = wb.page;
      ui = createDriver(page, SHOTS);
    });

    after(async () => {
      if (page) await ui.screenshot('final').catch(() => undefined);
      if (server) fs.writeFileSync(path.join(SHOTS, 'exthost.log'), server.extensionHostLog());
      await wb?.close();
      await server?.stop();
      await proxy?.kill();
      await fixture?.stop();
      fs.rmSync(stateDir, { recursive: true, force: true });
    });

    it(
      'when the window opens, a notification says what happened while it was away (a call may have run)',
      { timeout: STEP_TIMEOUT },
      async () => {
        const toast = page.locator('.notification-toast', { hasText: 'While you were away' }).first();
        await toast.waitFor({ state: 'visible', timeout: 90_000 });
        const text = await toast.innerText();
        assert.match(text, /2 incident\(s\) on Archon/);
        assert.match(text, /1 call\(s\) broke mid-call and may or may not have run/);
        await ui.screenshot('away-notification');
        assert.equal(await page.locator('.notification-toast', { hasText: 'While you were away' }).count(), 1, 'once');
      },
    );

    it("the tree shows the server's last incidents", { timeout: STEP_TIMEOUT }, async () => {
      await page.keyboard.press('Escape');
      await page.locator('.activitybar a[aria-label^="Archon MCP"]').first().click();
      const view = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /Servers/i }) }).first();
      const row = view.locator('.monaco-list-row', { hasText: 'Incidents' }).first();
      await row.waitFor({ state: 'visible', timeout: 30_000 });
      assert.match(await row.innerText(), /2 in 7 days/);
      await row.click();
      await view
        .locator('.monaco-list-row', { hasText: 'process-restart' })
        .first()
        .waitFor({ state: 'visible', timeout: 10_000 });
      await ui.screenshot('tree-incidents');
    });

    it(
      'Archon: Show Incident Timeline draws them; hovering a mark shows its record',
      { timeout: STEP_TIMEOUT },
      async () => {
        await ui.runCommand('Archon: Show Incident Timeline');
        const frame = (await ui.waitUntil(
          'the timeline webview',
          async () => {
            for (const f of page.frames()) {
              if (
                (await f
                  .locator('svg.timeline')
                  .count()
                  .catch(() => 0)) > 0
              )
                return f;
            }
            return undefined;
          },
          60_000,
        )) as Frame;
        const marks = frame.locator('svg.timeline .incident');
        assert.equal(await marks.count(), 2);
        assert.equal(
          await frame.locator('svg.timeline .incident.failed').count(),
          1,
          'the one with the interrupted write is marked',
        );
        assert.match(
          await frame.locator('#summary').innerText(),
          /2 incident\(s\); \d+ call\(s\) held, 1 failed or may have run twice/,
        );
        await marks.nth(1).hover();
        const detail = await ui.waitUntil(
          'the hovered record',
          async () => {
            const t = await frame.locator('#detail').innerText();
            return /Archon: /.test(t) ? t : undefined;
          },
          10_000,
        );
        assert.match(detail, /seen by proxy/);
        assert.match(detail, /may have run twice or not at all/);
        // No remote resources, one policy: the page's CSP.
        assert.match(
          (await frame.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')) ?? '',
          /default-src 'none'/,
        );
        const file = await ui.screenshot('incident-timeline');
        console.log(`# timeline screenshot: ${path.relative(REPO_ROOT, file)}`);
      },
    );
  },
);
