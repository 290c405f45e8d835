// UI test: a first run without Archon, as a user with four MCP servers meets the extension in code-server.
// HOME is a fixture home whose clients (Claude Code, Cursor, Windsurf, VS Code, Claude Desktop) name four
// real servers from npm — server-everything over Streamable HTTP (running), over SSE (running) and over
// stdio, server-memory over stdio — and no Archon. The view lists the four, the status bar summarises them,
// "Route Clients Through Gateway" offers every direct entry and routes them after the diff previews. Then a
// client starts a routed stdio entry exactly as its file now says, its server process is SIGKILLed (not the
// supervisor), and the view shows it restarting and healthy again, with the restart and its cause.
// Screenshots: test-results/ui/every-*.png; with ARCHON_SCREENSHOTS_TO_MEDIA=1 the README's go to media/.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { readSupervisedStates, type SupervisedView } from '../../src/core/clients';
import { layEveryHome, MEMORY_JS, type EveryHome } from '../helpers/every-home';
import { freePort, sleep } from '../helpers/wait';
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
const MEDIA = path.join(REPO_ROOT, 'media');
const STEP_TIMEOUT = 120_000;
const SERVERS = ['everything-http', 'everything', 'memory', 'everything-sse'];

const { tools, missing } = findTools();
const vsix = findVsix();
if (!vsix) missing.push('the extension package (run `npm run package`)');
const gate = missing.length ? missingMessage(missing) : undefined;
if (gate && !gate.fail) console.log(`# ${gate.message}`);

describe('every MCP server, no Archon, in code-server', { skip: gate && !gate.fail ? gate.message : false }, () => {
  let h: EveryHome;
  let server: CodeServer;
  let wb: Workbench;
  let page: Page;
  let ui: Driver;
  const screenshot = async (name: string, media?: string) => {
    const file = await ui.screenshot(name);
    if (media && process.env.ARCHON_SCREENSHOTS_TO_MEDIA === '1') fs.copyFileSync(file, path.join(MEDIA, media));
    return file;
  };
  const view = () => page.locator('.pane', { has: page.locator('.pane-header', { hasText: /Servers/i }) }).first();
  const rows = () => view().locator('.monaco-list-row[aria-level="1"]');
  const row = (name: string) =>
    view()
      .locator('.monaco-list-row[aria-level="1"]', {
        has: page.locator('.label-name', { hasText: new RegExp(`^${name}$`) }),
      })
      .first();
  const statusItem = () => page.locator('[id$=".status"]', { hasText: /MCP/ }).first();

  before(async () => {
    if (gate) throw new Error(gate.message);
    fs.mkdirSync(SHOTS, { recursive: true });
    for (const f of fs.readdirSync(SHOTS).filter((f) => f.startsWith('every-'))) fs.rmSync(path.join(SHOTS, f));
    h = await layEveryHome();
    // Four servers: without Codex's file (its `uvx` server would be a fifth).
    fs.rmSync(path.join(h.home, '.codex'), { recursive: true });
    h.originals.delete('home/.codex/config.toml');
    server = await startCodeServer({
      tools,
      vsix: [vsix!],
      tmpDir: h.root,
      logFile: path.join(SHOTS, 'every-code-server.log'),
      env: {
        HOME: h.home,
        XDG_CONFIG_HOME: '',
        XDG_STATE_HOME: '',
        APPDATA: '',
        CLAUDE_CONFIG_DIR: '',
        CODEX_HOME: '',
        ARCHON_MCP_DOCTOR_CONFIG_DIR: '',
        ARCHON_MCP_DOCTOR_STATE_DIR: '',
      },
      // No archonMcp.servers: the built-in default (Archon) is not there and no client names it.
      userSettings: { 'archonMcp.gateway.port': await freePort(), 'archonMcp.pingIntervalSeconds': 2 },
    });
    wb = await openWorkbench(server, tools, { viewport: { width: 1400, height: 900 } });
    page = wb.page;
    ui = createDriver(page, SHOTS, 'every-');
  });

  let stdioClient: Client | undefined;
  const paused = new Set<number>();

  after(async () => {
    for (const pid of paused) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        /* gone already */
      }
    }
    await stdioClient?.close().catch(() => undefined);
    if (page) await screenshot('final').catch(() => undefined);
    if (server) fs.writeFileSync(path.join(SHOTS, 'every-exthost.log'), server.extensionHostLog());
    await wb?.close();
    await server?.stop();
    await h?.remove();
  });

  it(
    '1. the view lists the four servers the clients name, no Archon; the HTTP one healthy',
    { timeout: STEP_TIMEOUT },
    async () => {
      await page.locator('.activitybar a[aria-label^="Archon MCP"]').first().click();
      for (const name of SERVERS) await row(name).waitFor({ state: 'visible', timeout: 60_000 });
      await ui.waitUntil(
        'everything-http healthy',
        async () => /healthy/.test(await row('everything-http').innerText()),
        60_000,
      );
      const top = await rows().allInnerTexts();
      assert.ok(!top.some((t) => /^Archon\b/.test(t)), `no Archon row: ${top.join(' | ')}`);
      assert.match(await row('memory').innerText(), /stdio · not running · direct/);
      assert.match(await row('everything-sse').innerText(), /sse · legacy SSE, not protected/);
      await screenshot('servers', 'screenshot-servers.png');
    },
  );

  it('2. the status bar summarises all four; hovering lists them', { timeout: STEP_TIMEOUT }, async () => {
    const item = statusItem();
    await ui.waitUntil('"4 MCP" in the status bar', async () => /4 MCP/.test(await item.innerText()));
    await item.hover();
    const hover = page.locator('.monaco-hover, .workbench-hover', { hasText: '4 MCP servers' }).first();
    await hover.waitFor({ state: 'visible', timeout: 15_000 });
    const text = await hover.innerText();
    for (const name of SERVERS) assert.match(text, new RegExp(name));
    await screenshot('status-bar', 'screenshot-status-bar.png');
    await page.keyboard.press('Escape');
    await page.mouse.move(700, 400);
  });

  it(
    '3. "Route Clients Through Gateway" offers every direct entry; the diffs, then Write',
    { timeout: STEP_TIMEOUT },
    async () => {
      await page.keyboard.press('Escape');
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget .quick-input-box input');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill('>Archon: Route Clients Through Gateway');
      await page
        .locator('.quick-input-widget .monaco-list-row.focused', { hasText: 'Route Clients Through Gateway' })
        .first()
        .waitFor({ state: 'visible', timeout: 10_000 });
      await input.press('Enter');
      const picker = page.locator('.quick-input-widget');
      await picker
        .locator('.monaco-list-row', { hasText: 'Claude Code: memory' })
        .waitFor({ state: 'visible', timeout: 30_000 });
      const offered = await picker.locator('.monaco-list-row').count();
      assert.ok(offered >= 8, `every direct entry offered (${offered} rows visible)`);
      await screenshot('route-pick', 'screenshot-route-pick.png');
      await picker.locator('.quick-input-box input').press('Enter');
      const write = page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Write' }).first();
      await write.waitFor({ state: 'visible', timeout: 30_000 });
      await screenshot('route-diff', 'screenshot-route-diff.png');
      await write.click();
      await ui.waitUntil('the stdio entries run the supervisor', async () => {
        const claude = JSON.parse(h.actual('home/.claude.json').toString()) as {
          mcpServers: Record<string, { command: string; args: string[] }>;
        };
        return (
          /archon-mcp-doctor$/.test(claude.mcpServers.memory.command) &&
          claude.mcpServers.memory.args.join(' ') === `stdio -- node ${MEMORY_JS}`
        );
      });
      const claude = JSON.parse(h.actual('home/.claude.json').toString()) as {
        mcpServers: Record<string, { url?: string; command?: string }>;
      };
      assert.match(claude.mcpServers['everything-http'].url ?? '', /^http:\/\/127\.0\.0\.1:\d+\/everything-http\/mcp$/);
      assert.ok(fs.existsSync(claude.mcpServers.memory.command!), 'the stable copy of the CLI is in place');
      await page.keyboard.press('Escape');
      await ui.waitUntil(
        'memory shown as protected (supervised, not started yet)',
        async () => {
          const text = await row('memory').innerText();
          return /not running/.test(text) && !/direct/.test(text);
        },
        30_000,
      );
      await ui.waitUntil('still four servers after routing', async () => /4 MCP/.test(await statusItem().innerText()));
      assert.equal(
        await rows()
          .filter({ hasText: /everything-http/ })
          .count(),
        1,
        'the routed HTTP entries are the watched server, not a second one',
      );
      await screenshot('routed', 'screenshot-routed.png');
    },
  );

  it(
    '4. a supervised stdio server killed: the view shows it restarting, then healthy again with the restart and its cause',
    { timeout: STEP_TIMEOUT },
    async () => {
      // A client starts the routed entry exactly as its file now says (command, args, env), as Claude Code would.
      const entry = (
        JSON.parse(h.actual('home/.claude.json').toString()) as {
          mcpServers: Record<string, { command: string; args: string[]; env?: Record<string, string> }>;
        }
      ).mcpServers.memory;
      // The launcher sits in <state dir>/bin: the supervisor, started from this environment, reports into the same folder.
      const stateDir = path.dirname(path.dirname(entry.command));
      stdioClient = new Client({ name: 'ui-every', version: '1.0.0' });
      await stdioClient.connect(
        new StdioClientTransport({
          command: entry.command,
          args: entry.args,
          env: { ...(h.env as Record<string, string>), ...entry.env },
          stderr: 'pipe',
        }),
      );
      await stdioClient.callTool({ name: 'read_graph', arguments: {} });
      const mine = async (): Promise<SupervisedView | undefined> =>
        (await readSupervisedStates(stateDir)).find((s) => s.command.includes(MEMORY_JS) && !s.stale);
      const first = await ui.waitUntil(
        "the supervisor's state file",
        async () => {
          const s = await mine();
          return s?.serverPid ? s : undefined;
        },
        15_000,
      );
      const memory = row('memory');
      await ui.waitUntil(
        'memory healthy under its supervisor',
        async () => /stdio · healthy/.test(await memory.innerText()),
        30_000,
      );
      if ((await memory.getAttribute('aria-expanded')) === 'false') await memory.locator('.monaco-tl-twistie').click();
      const supervisorRow = view()
        .locator('.monaco-list-row[aria-level="2"]', {
          has: page.locator('.label-name', { hasText: /^Supervisor \d+$/ }),
        })
        .first();
      assert.match(await supervisorRow.innerText(), /running · 0 restarts/);
      // A wider side bar, so the screenshots show whole descriptions: drag the sash between it and the editor.
      const sashes = await page.locator('.monaco-sash.vertical').all();
      const boxes = await Promise.all(sashes.map((x) => x.boundingBox()));
      const box = boxes.find((b) => b && b.x > 250 && b.x < 450 && b.height > 300);
      if (box) {
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
        await page.mouse.down();
        await page.mouse.move(box.x + 320, box.y + box.height / 2, { steps: 5 });
        await page.mouse.up();
      }

      // SIGKILL the server process (not the supervisor). The supervisor starts it again at once; the new process
      // is paused (SIGSTOP) as soon as it exists, so the restart lasts long enough to be seen — a server that
      // takes a few seconds to start (npx, uvx, a browser) looks the same — and resumed once the view showed it.
      let replacement: number | undefined;
      for (let attempt = 1; attempt <= 3 && replacement === undefined; attempt++) {
        const before = (await mine())!;
        process.kill(before.serverPid!, 'SIGKILL');
        const deadline = Date.now() + 10_000;
        let next: SupervisedView | undefined;
        while (Date.now() < deadline && !((next = await mine())?.serverPid && next.serverPid !== before.serverPid))
          await sleep(5);
        assert.ok(
          next?.serverPid && next.serverPid !== before.serverPid,
          `the supervisor started the server again: ${JSON.stringify(next)}`,
        );
        process.kill(next.serverPid, 'SIGSTOP');
        paused.add(next.serverPid);
        // Caught only if it had not answered the supervisor's initialize yet; otherwise let it go and kill again.
        if ((await mine())?.state === 'restarting') replacement = next.serverPid;
        else {
          process.kill(next.serverPid, 'SIGCONT');
          paused.delete(next.serverPid);
          await ui.waitUntil(
            'running again before the next try',
            async () => (await mine())?.state === 'running',
            15_000,
          );
        }
      }
      assert.ok(replacement !== undefined, 'the replacement was caught while it started');
      await ui.waitUntil(
        'memory shown restarting',
        async () => /stdio · restarting/.test(await memory.innerText()),
        20_000,
      );
      assert.match(await supervisorRow.innerText(), /restarting · [1-3] restarts?/);
      await screenshot('stdio-restarting');
      process.kill(replacement, 'SIGCONT');
      paused.delete(replacement);

      await ui.waitUntil('memory healthy again', async () => /stdio · healthy/.test(await memory.innerText()), 30_000);
      const restarts = Number(
        /running · (\d+) restarts?/.exec(
          await ui.waitUntil(
            'the supervisor row running again',
            async () => {
              const t = await supervisorRow.innerText();
              return /running · [1-9]/.test(t) && t;
            },
            15_000,
          ),
        )![1],
      );
      const after = (await mine())!;
      assert.equal(restarts, after.restarts, "the view shows the supervisor's own count");
      assert.ok(after.restarts > first.restarts, `the restart count went up: ${first.restarts} → ${after.restarts}`);
      // The supervisor's row gained its details with the restart: open it if the tree kept it closed.
      if ((await supervisorRow.getAttribute('aria-expanded')) === 'false')
        await supervisorRow.locator('.monaco-tl-twistie').click();
      const cause = view()
        .locator('.monaco-list-row[aria-level="3"]', { has: page.locator('.label-name', { hasText: /^Last cause$/ }) })
        .first();
      assert.match(await cause.innerText(), /SIGKILL \(OOM killer or kill -9\)/);
      // The same session goes on: the client's next call is answered by the new process.
      await stdioClient.callTool({ name: 'read_graph', arguments: {} });
      await screenshot('stdio-restart', 'screenshot-stdio-restart.png');
    },
  );
});
