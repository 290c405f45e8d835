// UI test: the REAL packaged extension (.vsix) installed into code-server, driven in headless
// Chromium the way a person would use it, against a live Archon-like fixture server.
//
//   npm run package && npm run build      (the .vsix and the fixture bundle)
//   bash scripts/setup-code-server.sh     (code-server, Node 24, Chromium; cached)
//   node --import tsx --test test/ui/workbench.test.ts
//
// Screenshots of every step go to test-results/ui/. Without code-server/Chromium/.vsix the test
// is skipped with a message naming the setup command, or fails when CI=true.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { startServer, type RunningServer } from '../helpers/servers';
import { createDriver, uiTestParts, type Driver } from './driver';
import { REPO_ROOT, openWorkbench, startCodeServer, type CodeServer, type Workbench } from '../vscode/code-server';

const SHOTS = path.join(REPO_ROOT, 'test-results', 'ui');
const SERVER_NAME = 'Archon';
const STEP_TIMEOUT = 90_000;
/** How our MCP definition reads in VS Code's MCP views. */
const HEALED_LABEL = `${SERVER_NAME} (healed)`;
const WALKTHROUGH_TITLE = 'Keep all your MCP servers alive';

// What is needed, and what to do when it is missing.
const { tools, vsix, gate } = uiTestParts();

describe(
  'the packaged extension in code-server, as a user sees it',
  { skip: gate && !gate.fail ? gate.message : false },
  () => {
    let fixture: RunningServer;
    let server: CodeServer;
    let wb: Workbench;
    let page: Page;
    let ui: Driver;
    const screenshot = (name: string) => ui.screenshot(name);
    const statusItem = () => ui.statusItem();
    const runCommand = (title: string, opts?: { keepOpen?: boolean }) => ui.runCommand(title, opts);
    const pickRow = (text: string | RegExp) => ui.pickRow(text);
    const outputText = () => ui.outputText();
    const waitUntil = <T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs: number) =>
      ui.waitUntil(what, check, timeoutMs);

    /** Latest session the fixture created, as the first 8 characters (its log prints those). */
    const latestSession = (): string | undefined => {
      const ids = [...fixture.output().matchAll(/session created: ([0-9a-f-]{8})/g)].map((m) => m[1]);
      return ids.at(-1);
    };

    /** "MCP: List Servers" → our definition → one of its options ("Start Server", "Show Output", ...). */
    const mcpServerOption = async (option: string) => {
      await runCommand('MCP: List Servers', { keepOpen: true });
      await pickRow(HEALED_LABEL).waitFor({ state: 'visible', timeout: 20_000 });
      await pickRow(HEALED_LABEL).click();
      await pickRow(option).waitFor({ state: 'visible', timeout: 10_000 });
      await pickRow(option).click();
    };

    before(async () => {
      if (gate) throw new Error(gate.message);
      // Only this file's own screenshots and logs: other UI tests keep theirs under a prefix or a subfolder.
      fs.mkdirSync(SHOTS, { recursive: true });
      for (const f of fs.readdirSync(SHOTS))
        if (/^(\d\d-|timeout-).*\.png$|^(code-server|exthost)\.log$/.test(f)) fs.rmSync(path.join(SHOTS, f));
      fixture = await startServer('fixture');
      // Archon not started yet, the usual case when VS Code opens first: the calm state comes first.
      await fixture.kill();
      server = await startCodeServer({
        tools,
        vsix: [vsix!],
        logFile: path.join(SHOTS, 'code-server.log'),
        userSettings: {
          'archonMcp.servers': [
            { name: SERVER_NAME, url: fixture.url, transport: 'streamable-http', healthUrl: fixture.healthUrl },
          ],
          'archonMcp.pingIntervalSeconds': 2,
          // "MCP: List Servers" exists only with AI features on (no Copilot login is needed for it).
          'chat.disableAIFeatures': false,
          // A first install opens our walkthrough, as it would for a user.
          'workbench.welcomePage.walkthroughs.openOnInstall': true,
        },
      });
      wb = await openWorkbench(server, tools, { viewport: { width: 1400, height: 1000 } });
      page = wb.page;
      ui = createDriver(page, SHOTS);
    });

    after(async () => {
      if (page) await screenshot('final').catch(() => undefined);
      if (server) fs.writeFileSync(path.join(SHOTS, 'exthost.log'), server.extensionHostLog());
      await wb?.close();
      await server?.stop();
      await fixture?.stop();
    });

    it('0a. a first install opens the walkthrough with its four steps', { timeout: STEP_TIMEOUT }, async () => {
      const walkthrough = page.locator('.gettingStartedContainer').first();
      const text = await waitUntil(
        'the walkthrough to open',
        async () => {
          const t = (await walkthrough.count()) ? await walkthrough.innerText() : '';
          return t.includes(WALKTHROUGH_TITLE) ? t : undefined;
        },
        60_000,
      );
      for (const step of [
        'Your MCP servers',
        'Your clients',
        'Keep healing on when VS Code is closed',
        'See it work',
      ]) {
        assert.ok(text.includes(step), `the walkthrough shows the step "${step}":\n${text.slice(0, 800)}`);
      }
      // The step's Markdown media (media/walkthrough/archon-running.md) renders in a webview frame.
      await waitUntil(
        "the first step's media",
        async () => {
          for (const frame of page.frames()) {
            if (
              (
                await frame
                  .locator('body')
                  .innerText({ timeout: 1_000 })
                  .catch(() => '')
              ).includes('lists every MCP server your clients name')
            )
              return true;
          }
          return false;
        },
        30_000,
      );
      await screenshot('walkthrough');
      // Its media pane is a webview that takes the keyboard: close the tab with the mouse.
      const tab = page.locator('.tabs-container .tab', { hasText: 'Welcome' }).first();
      await tab.hover();
      await tab.locator('.tab-actions .action-label').first().click();
      await tab.waitFor({ state: 'detached', timeout: 10_000 });
    });

    it(
      '0b. Archon not started yet: a calm "Archon: not running", not the error look; starting it turns it healthy',
      { timeout: STEP_TIMEOUT },
      async () => {
        const item = statusItem();
        await item.waitFor({ state: 'visible', timeout: 60_000 });
        await waitUntil('the item to say not running', async () => /not running/.test(await item.innerText()), 60_000);
        assert.match(await item.innerText(), /Archon: not running/);
        assert.doesNotMatch(
          (await item.getAttribute('class')) ?? '',
          /error-kind|warning-kind/,
          'no error or warning colour',
        );
        assert.equal(await item.locator('.codicon-circle-slash').count(), 1, 'the neutral icon');
        await item.hover();
        const hover = page.locator('.monaco-hover, .workbench-hover', { hasText: 'Archon MCP' }).first();
        await hover.waitFor({ state: 'visible', timeout: 10_000 });
        assert.match(await hover.innerText(), /not been reached since the window opened/);
        await screenshot('status-bar-calm');
        await page.mouse.move(700, 300);
        await page.keyboard.press('Escape');
        await fixture.restart();
      },
    );

    it('1. the status bar shows the Archon item, healthy', { timeout: STEP_TIMEOUT }, async () => {
      const item = statusItem();
      await item.waitFor({ state: 'visible', timeout: 60_000 });
      await waitUntil(
        'the item to say healthy',
        async () => /healthy/.test((await item.getAttribute('aria-label')) ?? ''),
        60_000,
      );
      assert.match(await item.innerText(), /Archon/);
      assert.equal(await item.locator('.codicon-plug').count(), 1, 'plug icon');
      assert.doesNotMatch((await item.getAttribute('class')) ?? '', /error-kind|warning-kind/);
      await screenshot('status-bar-healthy');
      // Its tooltip: state, latency and the shortened session id.
      await item.hover();
      const hover = page.locator('.monaco-hover, .workbench-hover', { hasText: 'Archon MCP' }).first();
      await hover.waitFor({ state: 'visible', timeout: 10_000 });
      const tip = await hover.innerText();
      assert.match(tip, /healthy/);
      const session = latestSession();
      assert.ok(session && tip.includes(session), `the tooltip shows session ${session}…: ${tip}`);
      await screenshot('status-bar-tooltip');
      await page.mouse.move(700, 300);
      await page.keyboard.press('Escape');
    });

    it(
      '2. the "Archon MCP" activity bar view lists the server with its session id',
      { timeout: STEP_TIMEOUT },
      async () => {
        const icon = page.locator('.activitybar a[aria-label^="Archon MCP"]').first();
        await icon.click();
        const view = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /Servers/i }) }).first();
        const serverRow = view.locator('.monaco-list-row', { hasText: SERVER_NAME }).first();
        await serverRow.waitFor({ state: 'visible', timeout: 20_000 });
        const session = await waitUntil(
          'the session row to show the session id',
          async () => {
            const id = latestSession();
            const row = view.locator('.monaco-list-row', { hasText: 'Session' }).first();
            const text = (await row.count()) ? await row.innerText() : '';
            return id && text.includes(id) ? id : undefined;
          },
          30_000,
        );
        assert.match(await serverRow.innerText(), /healthy/);
        const file = await screenshot('tree-with-session');
        console.log(`# tree shows session ${session}… (${path.relative(REPO_ROOT, file)})`);
      },
    );

    it(
      '3. stopping the fixture turns the item to its error look; starting it again heals on its own',
      { timeout: STEP_TIMEOUT * 2 },
      async () => {
        const item = statusItem();
        const sessionBefore = latestSession();
        await fixture.kill();
        await waitUntil(
          'the error look',
          async () => /error-kind/.test((await item.getAttribute('class')) ?? ''),
          30_000,
        );
        assert.match((await item.getAttribute('aria-label')) ?? '', /unreachable|session lost|needs attention/);
        await screenshot('status-bar-error');

        await fixture.restart();
        await waitUntil(
          'healthy again without a click',
          async () => {
            const cls = (await item.getAttribute('class')) ?? '';
            return /healthy/.test((await item.getAttribute('aria-label')) ?? '') && !/error-kind/.test(cls);
          },
          60_000,
        );
        const sessionAfter = latestSession();
        assert.ok(sessionAfter && sessionAfter !== sessionBefore, 'a new session after the restart');
        await screenshot('status-bar-healed');
      },
    );

    it(
      '4. F1 → "Archon: Reconnect MCP" runs and the output channel shows the reconnect',
      { timeout: STEP_TIMEOUT },
      async () => {
        const sessionsBefore = [...fixture.output().matchAll(/session created/g)].length;
        await runCommand('Archon: Reconnect MCP');
        await waitUntil(
          'a new session from the reconnect',
          async () => [...fixture.output().matchAll(/session created/g)].length > sessionsBefore,
          30_000,
        );
        await runCommand('Archon: Show Diagnostics');
        const output = page.locator('.part.panel .output-view, .part.panel [id="workbench.panel.output"]').first();
        await output.waitFor({ state: 'visible', timeout: 15_000 });
        const text = await waitUntil(
          'the reconnect in the "Archon MCP" output',
          async () => {
            const t = await page
              .locator('.part.panel .view-lines')
              .first()
              .innerText()
              .catch(() => '');
            return /reconnect/i.test(t) ? t : undefined;
          },
          20_000,
        );
        // The channel picker names the channel that is shown.
        assert.match(await page.locator('.part.panel').innerText(), /Archon MCP/);
        assert.match(text, /reconnect/i);
        await screenshot('output-reconnect');
      },
    );

    it(
      '5. "Archon: Copy Diagnostics Report" opens a report naming the server and its state',
      { timeout: STEP_TIMEOUT },
      async () => {
        await runCommand('Archon: Copy Diagnostics Report');
        const editor = page.locator('.editor-instance .view-lines').first();
        const text = await waitUntil(
          'the report in an editor',
          async () => {
            const t = await editor.innerText().catch(() => '');
            return /diagnostics/i.test(t) && t.includes(SERVER_NAME) ? t : undefined;
          },
          20_000,
        );
        assert.match(
          text,
          new RegExp(`${SERVER_NAME}\\W+healthy`),
          `the report says ${SERVER_NAME} is healthy:\n${text.slice(0, 800)}`,
        );
        await screenshot('diagnostics-report');
      },
    );

    it(
      '6. VS Code\'s own MCP client: "MCP: List Servers" shows "Archon (healed)" once; started, it discovers the 16 tools',
      { timeout: STEP_TIMEOUT * 2 },
      async () => {
        await runCommand('MCP: List Servers', { keepOpen: true });
        const widget = page.locator('.quick-input-widget');
        await pickRow(HEALED_LABEL).waitFor({ state: 'visible', timeout: 30_000 });
        const listed = await widget.innerText();
        assert.equal(listed.split(HEALED_LABEL).length - 1, 1, `"${HEALED_LABEL}" reads once:\n${listed}`);
        assert.match(
          listed,
          /Healed through the Archon MCP Doctor gateway/,
          'its group says it is healed through the gateway',
        );
        await screenshot('mcp-list-servers');
        await page.keyboard.press('Escape');

        const sessions = [...fixture.output().matchAll(/session created/g)].length;
        await mcpServerOption('Start Server');
        // VS Code may ask to trust a server it has not run before.
        await waitUntil(
          'the gateway to open an upstream session for VS Code',
          async () => {
            const trust = page.locator('.monaco-dialog-box .monaco-button', { hasText: /^Trust$/ }).first();
            if (await trust.isVisible().catch(() => false)) await trust.click();
            return [...fixture.output().matchAll(/session created/g)].length > sessions;
          },
          60_000,
        );
        await mcpServerOption('Show Output');
        const text = await waitUntil(
          'the MCP output to say 16 tools were discovered',
          async () => {
            const t = await outputText();
            return /Discovered 16 tools/.test(t) ? t : undefined;
          },
          60_000,
        );
        assert.match(
          await page.locator('.part.panel').innerText(),
          new RegExp(HEALED_LABEL.replace(/[()]/g, '\\$&')),
          'the channel of our definition is shown',
        );
        assert.match(text, /Discovered 16 tools/);
        await screenshot('mcp-output-16-tools');
      },
    );

    it(
      '7. two restarts of the server later, VS Code\'s MCP client still runs "Archon (healed)" with no error in its output',
      { timeout: STEP_TIMEOUT * 3 },
      async () => {
        const item = statusItem();
        for (let i = 1; i <= 2; i++) {
          const sessions = [...fixture.output().matchAll(/session created/g)].length;
          await fixture.restart();
          await waitUntil(
            `the doctor healthy again after restart ${i}`,
            async () =>
              [...fixture.output().matchAll(/session created/g)].length > sessions &&
              /healthy/.test((await item.getAttribute('aria-label')) ?? ''),
            60_000,
          );
        }
        await runCommand('MCP: List Servers', { keepOpen: true });
        const row = pickRow(HEALED_LABEL);
        await row.waitFor({ state: 'visible', timeout: 20_000 });
        const rowText = await waitUntil(
          'the definition to read Running',
          async () => {
            const t = await row.innerText();
            return /Running/.test(t) ? t : undefined;
          },
          30_000,
        );
        assert.match(rowText, /Running/);
        assert.doesNotMatch(rowText, /Error|Stopped/);
        await screenshot('mcp-still-running');
        await row.click();
        await pickRow('Show Output').click();
        const text = await waitUntil(
          'the MCP output',
          async () => {
            const t = await outputText();
            return /Discovered 16 tools/.test(t) ? t : undefined;
          },
          20_000,
        );
        const errors = text.split('\n').filter((l) => /\[error\]|\berror\b/i.test(l));
        assert.deepEqual(errors, [], `no error in the "${HEALED_LABEL}" output:\n${text}`);
        await screenshot('mcp-output-after-restarts');
      },
    );

    it(
      '8. "Archon: Rehearse a Restart" without Docker tells how to rehearse by hand',
      { timeout: STEP_TIMEOUT },
      async () => {
        await runCommand('Archon: Rehearse a Restart');
        const toast = page
          .locator('.notifications-toasts .notification-toast', { hasText: 'cannot restart it for you' })
          .first();
        await toast.waitFor({ state: 'visible', timeout: 20_000 });
        const text = await toast.innerText();
        assert.match(text, /no Docker container is watched for Archon/);
        assert.match(text, /docker restart archon-mcp/);
        await screenshot('rehearsal-without-docker');
      },
    );
  },
);
