// Playwright's MCP server (@playwright/mcp, Debian's Chromium) through the supervisor: the server
// SIGKILLed, SIGTERMed and SIGSTOPped, and its browser killed under it. Every read answered, the same
// tools after, and no browser left behind by a replaced server (the whole process group goes).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  MODULES,
  cmdline,
  fault,
  killMarked,
  marked,
  settle,
  sleep,
  skipWithout,
  supervise,
  waitNoneLeft,
  type Era,
  type McpClient,
} from './util';

const CHROMIUM = '/usr/bin/chromium';
const PLAYWRIGHT_MCP = join(MODULES, '@playwright/mcp/cli.js');
const missing = !existsSync(CHROMIUM)
  ? `no Chromium at ${CHROMIUM} (apt-get install -y chromium)`
  : !existsSync(PLAYWRIGHT_MCP)
    ? 'no @playwright/mcp (npm ci)'
    : undefined;
const marks: string[] = [];
let page: Server;
let url = '';

before(async () => {
  page = createServer((_req, res) => res.end('<html><body><h1>Supervised</h1><button>Press</button></body></html>'));
  await new Promise<void>((r) => page.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(page.address() as { port: number }).port}/`;
});
after(() => {
  marks.forEach(killMarked);
  page?.close();
});

/** The browser's main process (not its renderers, zygotes or crash handlers). */
const browsers = (mark: string) =>
  marked(mark).filter((p) => /^\S*chromium\/chromium /.test(cmdline(p)) && !/--type=/.test(cmdline(p)));
/** Every Chromium process (crashpad handlers included): none may outlive the server that started it. */
const chromiumProcesses = (mark: string) => marked(mark).filter((p) => /^\S*\/chromium\//.test(cmdline(p)));
const snapshot = (c: McpClient) => c.callTool({ name: 'browser_snapshot', arguments: {} });
const navigate = (c: McpClient) => c.callTool({ name: 'browser_navigate', arguments: { url } });

type Fault = NodeJS.Signals | 'browser';
const FAULTS: Fault[] = ['SIGKILL', 'browser', 'SIGTERM', 'SIGSTOP', 'SIGKILL', 'browser'];

for (const era of ['v1', 'v2'] as Era[]) {
  describe(`@playwright/mcp through the supervisor, ${era} client`, () => {
    it(`${FAULTS.length} faults (server and browser): every read answered, no browser left over`, async (t) => {
      if (skipWithout(t, missing)) return;
      const s = await supervise(
        // Its snapshots go to a scratch folder, not into the checkout (the server's cwd is the client's).
        [
          'node',
          PLAYWRIGHT_MCP,
          '--headless',
          '--isolated',
          '--no-sandbox',
          '--browser',
          'chromium',
          '--executable-path',
          CHROMIUM,
          '--output-dir',
          mkdtempSync(join(tmpdir(), 'stdio-playwright-')),
        ],
        { era, cliArgs: ['--wedge-timeout', '2', '--json'] },
      );
      marks.push(s.mark);
      const failures: string[] = [];
      let reads = 0;
      try {
        const before = (await s.client.listTools()).tools.map((x) => x.name).sort();
        for (const [i, f] of FAULTS.entries()) {
          const pid = await s.serverPid();
          const nav = await settle(() => navigate(s.client));
          if (!nav.ok) failures.push(`navigate before fault ${i}: ${nav.error.message}`);
          assert.equal(browsers(s.mark).length, 1, `one browser before fault ${i}`);
          const oldChromium = chromiumProcesses(s.mark);
          const inFlight = settle(() => snapshot(s.client));
          if (f === 'browser') for (const b of browsers(s.mark)) process.kill(b, 'SIGKILL');
          else fault(pid, f);
          const after1 = settle(() => snapshot(s.client));
          for (const r of [await inFlight, await after1]) {
            reads++;
            // A killed browser is the server's to report (a tool error result); a JSON-RPC error is ours.
            if (!r.ok) failures.push(`${f} (fault ${i}): ${r.error.message}`);
          }
          if (f !== 'browser') {
            await s.serverPid(pid);
            // The replaced server's browser went with its process group.
            const until = Date.now() + 5000;
            const oldLeft = () => marked(s.mark).filter((p) => oldChromium.includes(p));
            while (oldLeft().length > 0 && Date.now() < until) await sleep(50);
            assert.deepEqual(oldLeft().map(cmdline), [], `the old server's browser is gone after ${f}`);
          }
          await sleep(2_100);
        }
        assert.deepEqual(failures, [], `${failures.join('\n')}\n${s.stderr().slice(-3000)}`);
        assert.deepEqual((await s.client.listTools()).tools.map((x) => x.name).sort(), before);
        t.diagnostic(`${reads} reads answered across ${FAULTS.length} faults`);
      } finally {
        await s.close();
      }
      assert.deepEqual(await waitNoneLeft(s.mark, 15_000), [], 'no server, browser or watchdog left');
    });
  });
}
