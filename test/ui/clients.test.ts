// UI test: the Clients section and "Route Clients Through Gateway" in code-server, as a user meets them.
// The packaged extension runs with HOME set to a fixture home (test/fixtures/clients) and the fixture
// workspace open; the user answers the one-time notification with "Route Them", keeps the preselected
// entries, looks at the diff previews, confirms, and later runs "Undo Client Routing".
// Screenshots go to test-results/ui/clients-*.png. Missing code-server/Chromium/.vsix: skipped with a
// message, or a failure when CI=true.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { layClientHome, type ClientHome } from '../helpers/client-home';
import {
  REPO_ROOT,
  findTools,
  findVsix,
  missingMessage,
  openWorkbench,
  startCodeServer,
  type CodeServer,
  type Workbench,
} from '../vscode/code-server';
import { createDriver, type Driver } from './driver';

const SHOTS = path.join(REPO_ROOT, 'test-results', 'ui');
const STEP_TIMEOUT = 90_000;
const DEFAULT_GATEWAY = 'http://127.0.0.1:18051/archon/mcp';
const ROUTED = [
  'home/.claude.json',
  'home/.cursor/mcp.json',
  'home/.codeium/windsurf/mcp_config.json',
  'home/.config/Code/User/mcp.json',
  'home/.config/Claude/claude_desktop_config.json',
  'home/.codex/config.toml',
];

const { tools, missing } = findTools();
const vsix = findVsix();
if (!vsix) missing.push('the extension package (run `npm run package`)');
const gate = missing.length ? missingMessage(missing) : undefined;
if (gate && !gate.fail) console.log(`# ${gate.message}`);

describe(
  'routing clients through the gateway in code-server',
  { skip: gate && !gate.fail ? gate.message : false },
  () => {
    let h: ClientHome;
    let server: CodeServer;
    let wb: Workbench;
    let page: Page;
    let ui: Driver;
    const screenshot = (name: string) => ui.screenshot(name);
    const view = () => page.locator('.pane', { has: page.locator('.pane-header', { hasText: /Servers/i }) }).first();
    const row = (text: string | RegExp) => view().locator('.monaco-list-row', { hasText: text }).first();
    const dialogButton = (label: string) =>
      page.locator('.monaco-dialog-box .monaco-button', { hasText: label }).first();

    before(async () => {
      if (gate) throw new Error(gate.message);
      fs.mkdirSync(SHOTS, { recursive: true });
      for (const f of fs.readdirSync(SHOTS).filter((f) => f.startsWith('clients-'))) fs.rmSync(path.join(SHOTS, f));
      h = layClientHome();
      // code-server opens <tmpDir>/workspace: the fixture workspace, whose path ~/.claude.json already names.
      server = await startCodeServer({
        tools,
        vsix: [vsix!],
        tmpDir: h.root,
        logFile: path.join(SHOTS, 'clients-code-server.log'),
        env: {
          HOME: h.home,
          XDG_CONFIG_HOME: '',
          XDG_STATE_HOME: '',
          APPDATA: '',
          CLAUDE_CONFIG_DIR: '',
          CODEX_HOME: '',
        },
        userSettings: {
          'archonMcp.servers': [{ name: 'Archon', url: 'http://localhost:8051/mcp', transport: 'streamable-http' }],
        },
      });
      wb = await openWorkbench(server, tools, { viewport: { width: 1400, height: 1000 } });
      page = wb.page;
      ui = createDriver(page, SHOTS, 'clients-');
    });

    after(async () => {
      if (page) await screenshot('final').catch(() => undefined);
      if (server) fs.writeFileSync(path.join(SHOTS, 'clients-exthost.log'), server.extensionHostLog());
      await wb?.close();
      await server?.stop();
      h?.remove();
    });

    it(
      "1. the Clients section lists every client entry (Archon's and the other servers'), each with transport and protection",
      { timeout: STEP_TIMEOUT },
      async () => {
        await page.locator('.activitybar a[aria-label^="Archon MCP"]').first().click();
        await row('Clients').waitFor({ state: 'visible', timeout: 60_000 });
        // 15: Archon's 9 (two in the workspace's shared files) and 6 entries of other servers (stdio, SSE).
        await ui.waitUntil('15 direct entries', async () => /(^|\D)15 direct/.test(await row('Clients').innerText()));
        for (const client of ['Claude Code', 'Cursor', 'Windsurf', 'VS Code', 'Claude Desktop', 'Codex CLI']) {
          await row(new RegExp(`^${client}`)).waitFor({ state: 'visible', timeout: 10_000 });
        }
        assert.match(await row('archon-win').innerText(), /project · http · direct/);
        // An entry of another server (a server row of the same name is in the view too: the entry is a level deeper).
        const entry = view()
          .locator('.monaco-list-row[aria-level="3"]', {
            has: page.locator('.label-name', { hasText: /^playwright$/ }),
          })
          .first();
        assert.match(await entry.innerText(), /user · stdio · direct · \.claude\.json/);
        await screenshot('section-direct');
      },
    );

    it(
      '2. "Route Them" → quick pick with the entries preselected → diff previews → Write',
      { timeout: STEP_TIMEOUT },
      async () => {
        const toast = page
          .locator('.notification-toast', { hasText: /directly and will break at its next restart/ })
          .first();
        await toast.waitFor({ state: 'visible', timeout: 30_000 });
        await screenshot('notification');
        await toast.locator('.monaco-button', { hasText: 'Route Them' }).click();
        const picker = page.locator('.quick-input-widget');
        await picker
          .locator('.monaco-list-row', { hasText: 'Cursor: archon' })
          .waitFor({ state: 'visible', timeout: 20_000 });
        const checked = await picker.locator('.monaco-list-row[aria-checked="true"]').count();
        assert.equal(checked, 8, 'every entry preselected but the shared VS Code file');
        await screenshot('quick-pick');
        await picker.locator('.quick-input-box input').press('Enter');
        await dialogButton('Write').waitFor({ state: 'visible', timeout: 30_000 });
        const tabs = await page.locator('.tabs-container .tab').allInnerTexts();
        assert.ok(
          tabs.filter((t) => /routed through the gateway \(preview\)/.test(t)).length === 6,
          `six diff previews: ${tabs.join(' | ')}`,
        );
        await screenshot('diff-preview-and-confirm');
        await dialogButton('Write').click();
        // The tree follows once every file is written and read again.
        // Left direct: the shared VS Code file's Archon entry and the six entries of other servers (not offered here).
        await ui.waitUntil('7 direct entries left', async () =>
          /(^|\D)7 direct/.test(await row('Clients').innerText()),
        );
        assert.match(await row('archon-win').innerText(), /project · http · gateway/);
        const gateway = /"url": "(http:\/\/127\.0\.0\.1:\d+\/archon\/mcp)"/.exec(
          fs.readFileSync(path.join(h.home, '.cursor/mcp.json'), 'utf8'),
        )?.[1];
        assert.ok(gateway, 'Cursor points at the running gateway');
        for (const rel of ROUTED)
          assert.equal(
            h.actual(rel).toString(),
            h.expected('after', rel).toString().replaceAll(DEFAULT_GATEWAY, gateway),
            rel,
          );
        assert.ok(
          h.actual('workspace/.mcp.json').equals(h.expected('before', 'workspace/.mcp.json')),
          'the shared .mcp.json stays as it was',
        );
        await page.keyboard.press('Escape');
        await screenshot('section-protected');
      },
    );

    it('3. "Archon: Undo Client Routing" puts every original byte back', { timeout: STEP_TIMEOUT }, async () => {
      // No click into the workbench to take focus: the first-install walkthrough fills the editor area, and
      // a click there can land on one of its step buttons (Start Container, Route Clients). F1 is global.
      const restore = dialogButton('Restore');
      const input = page.locator('.quick-input-widget .quick-input-box input');
      for (let attempt = 1; ; attempt++) {
        await page.keyboard.press('Escape');
        await page.keyboard.press('F1');
        await input.waitFor({ state: 'visible', timeout: 10_000 });
        await input.fill('>Archon: Undo Client Routing');
        // Enter acts on the focused row, which under load can still be the recently used "Route Clients
        // Through Gateway" from step 2: press it only once the focused row is the Undo command.
        await page
          .locator('.quick-input-widget .monaco-list-row.focused', { hasText: 'Undo Client Routing' })
          .first()
          .waitFor({ state: 'visible', timeout: 10_000 });
        await input.press('Enter');
        const shown = await restore.waitFor({ state: 'visible', timeout: 15_000 }).then(
          () => true,
          () => false,
        );
        if (shown) break;
        // What the window shows instead, so a failure says more than "timed out".
        const toasts = await page
          .locator('.notification-toast')
          .allInnerTexts()
          .catch(() => []);
        const palette = await input.isVisible().catch(() => false);
        await screenshot(`no-restore-dialog-${attempt}`).catch(() => undefined);
        // A keypress lost under load leaves no trace; a second try is fair. Anything else is a failure.
        if (attempt === 2 || toasts.some((t) => /nothing to undo/.test(t))) {
          assert.fail(
            `no "Restore" dialog after "Undo Client Routing" (attempt ${attempt}); palette open: ${palette}; notifications: ${toasts.join(' | ') || 'none'}`,
          );
        }
      }
      await dialogButton('Restore').click();
      await ui.waitUntil('the originals back', async () =>
        ROUTED.every((rel) => h.actual(rel).equals(h.expected('before', rel))),
      );
      await ui.waitUntil('15 direct again', async () => /(^|\D)15 direct/.test(await row('Clients').innerText()));
      await screenshot('undone');
    });
  },
);
