// UI test with a REAL Docker container running the Archon-like fixture, and the REAL packaged
// extension in code-server: a container stopped on purpose is calm ("Archon: not running"), the status
// bar item starts it again, and "Archon: Rehearse a Restart" restarts it and reports what happened.
//
//   npm run package && npm run build, bash scripts/setup-code-server.sh, a Docker engine, then
//   flock /tmp/archon-docker.lock flock /tmp/archon-vscode.lock node --import tsx --test test/ui/docker-workbench.test.ts
//
// Screenshots go to test-results/ui/docker/. Without code-server/Chromium/.vsix or a Docker engine
// the tests skip with a message, or fail when CI=true.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GATEWAY_CONTAINER_NAME } from '../../src/core/always-on';
import { connectClient } from '../gateway/util';
import {
  docker,
  engineAvailable,
  ensureImages,
  ensureNetwork,
  removeContainer,
  removeNetwork,
  runFixtureContainer,
  skipWithoutDocker,
  type FixtureContainer,
} from '../helpers/docker';
import { freePort } from '../helpers/servers';
import { REPO_ROOT, openWorkbench, startCodeServer, type CodeServer, type Workbench } from '../vscode/code-server';
import { createDriver, uiTestParts, type Driver } from './driver';

const SHOTS = path.join(REPO_ROOT, 'test-results', 'ui', 'docker');
const SERVER_NAME = 'Archon';
const CONTAINER = `amd-ui-archon-${process.pid}`;
// The gateway in Docker runs beside its upstream on a user-defined network.
const NETWORK = 'archon-mcp-doctor-test-ui-net';
const STEP_TIMEOUT = 90_000;

const { tools, vsix, gate } = uiTestParts();

describe(
  'the packaged extension in code-server with Archon in a real container',
  { skip: gate && !gate.fail ? gate.message : false },
  () => {
    let fc: FixtureContainer | undefined;
    let server: CodeServer | undefined;
    let wb: Workbench | undefined;
    let ui: Driver;
    let gatewayPort = 0;

    before(async () => {
      if (gate) throw new Error(gate.message);
      if (!(await engineAvailable())) return; // each test skips (or fails with CI=true) with the reason
      fs.rmSync(SHOTS, { recursive: true, force: true });
      fs.mkdirSync(SHOTS, { recursive: true });
      await removeContainer(GATEWAY_CONTAINER_NAME);
      await ensureNetwork(NETWORK);
      fc = await runFixtureContainer({ name: CONTAINER, network: NETWORK, memoryMb: 128, stopTimeoutSeconds: 1 });
      gatewayPort = await freePort();
      server = await startCodeServer({
        tools,
        vsix: [vsix!],
        logFile: path.join(SHOTS, 'code-server.log'),
        userSettings: {
          'archonMcp.servers': [
            {
              name: SERVER_NAME,
              url: fc.url,
              transport: 'streamable-http',
              healthUrl: fc.healthUrl,
              container: CONTAINER,
            },
          ],
          'archonMcp.pingIntervalSeconds': 2,
          'archonMcp.gateway.port': gatewayPort,
          // No registry here: the gateway image is built FROM the suite's local Node image.
          'archonMcp.gateway.dockerBaseImage': (await ensureImages()).base,
        },
      });
      wb = await openWorkbench(server, tools, { viewport: { width: 1400, height: 1000 } });
      ui = createDriver(wb.page, SHOTS);
    });

    after(async () => {
      if (wb) await ui.screenshot('final').catch(() => undefined);
      if (server) fs.writeFileSync(path.join(SHOTS, 'exthost.log'), server.extensionHostLog());
      await wb?.close();
      await server?.stop();
      await removeContainer(GATEWAY_CONTAINER_NAME).catch(() => undefined);
      await removeContainer(CONTAINER).catch(() => undefined);
      await removeNetwork(NETWORK).catch(() => undefined);
    });

    const ariaLabel = async () => (await ui.statusItem().getAttribute('aria-label')) ?? '';
    const classes = async () => (await ui.statusItem().getAttribute('class')) ?? '';

    it(
      '1. docker stop: a calm "Archon: not running" with Start Container; clicking the item starts it and it heals',
      { timeout: STEP_TIMEOUT * 2 },
      async (t) => {
        if (await skipWithoutDocker(t)) return;
        const item = ui.statusItem();
        await item.waitFor({ state: 'visible', timeout: 60_000 });
        await ui.waitUntil('the item to say healthy', async () => /healthy/.test(await ariaLabel()), 60_000);

        await fc!.container.stop({ t: 1 });
        await ui.waitUntil(
          'the calm "not running" look',
          async () => /not running/.test(await item.innerText()),
          30_000,
        );
        assert.match(await item.innerText(), /Archon: not running/);
        assert.doesNotMatch(await classes(), /error-kind|warning-kind/, 'a stop on purpose takes no error colour');
        await item.hover();
        const hover = wb!.page.locator('.monaco-hover, .workbench-hover', { hasText: 'Archon MCP' }).first();
        await hover.waitFor({ state: 'visible', timeout: 10_000 });
        const tip = await hover.innerText();
        assert.match(tip, new RegExp(`container ${CONTAINER} was stopped`));
        assert.match(tip, /Start Container/);
        await ui.screenshot('stopped-on-purpose-calm');
        await wb!.page.mouse.move(700, 300);
        await wb!.page.keyboard.press('Escape');

        await item.click();
        await ui.waitUntil(
          'healthy again after Start Container',
          async () => /healthy/.test(await ariaLabel()) && !/error-kind/.test(await classes()),
          60_000,
        );
        assert.equal((await fc!.container.inspect()).State.Running, true, 'the click started the container');
        await ui.screenshot('started-healthy');
      },
    );

    it(
      '2. "Archon: Rehearse a Restart": confirm, the container restarts, the report names detection, heal and cause',
      { timeout: STEP_TIMEOUT * 2 },
      async (t) => {
        if (await skipWithoutDocker(t)) return;
        const page = wb!.page;
        const startedBefore = (await fc!.container.inspect()).State.StartedAt;
        await ui.runCommand('Archon: Rehearse a Restart');
        const confirm = page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Restart and Watch' }).first();
        await confirm.waitFor({ state: 'visible', timeout: 15_000 });
        await ui.screenshot('rehearsal-confirm');
        await confirm.click();
        const toast = page
          .locator('.notifications-toasts .notification-toast', { hasText: 'healed: restart noticed in' })
          .first();
        await toast.waitFor({ state: 'visible', timeout: 60_000 });
        const summary = await toast.innerText();
        assert.match(
          summary,
          /Archon healed: restart noticed in [\d.]+ m?s, healthy again [\d.]+ m?s later \(docker restart\)/,
          summary,
        );
        assert.notEqual(
          (await fc!.container.inspect()).State.StartedAt,
          startedBefore,
          'the container really restarted',
        );
        await ui.screenshot('rehearsal-summary');
        await toast.locator('.monaco-button', { hasText: 'Show Report' }).click();
        const report = await ui.waitUntil(
          'the rehearsal report in an editor',
          async () => {
            const text = (
              await page
                .locator('.editor-instance .view-lines')
                .first()
                .innerText()
                .catch(() => '')
            ).replace(/\u00a0/g, ' ');
            return text.includes('Restart rehearsal: Archon') ? text : undefined;
          },
          20_000,
        );
        assert.match(report, /\| Outcome \| healed \|/);
        assert.match(report, /\| Detection time \| [\d.]+ m?s \|/);
        assert.match(report, /\| Heal time \| [\d.]+ m?s \|/);
        assert.match(report, /\| Cause named \| docker restart/);
        assert.match(report, /\| Client requests held and answered by the gateway \| \d+/);
        await ui.screenshot('rehearsal-report');
      },
    );

    it(
      '3. "Run Healing Gateway in Docker" starts the container, this window steps aside and uses it; "Stop" hands the port back',
      { timeout: STEP_TIMEOUT * 3 },
      async (t) => {
        if (await skipWithoutDocker(t)) return;
        const page = wb!.page;
        const gatewayRow = () => page.locator('.monaco-list-row', { hasText: 'Healing gateway' }).first();
        await ui.runCommand('Archon: Run Healing Gateway in Docker');
        const started = page
          .locator('.notification-toast', { hasText: 'the healing gateway runs in Docker at' })
          .first();
        const failed = page
          .locator('.notification-toast', { hasText: 'could not run the healing gateway in Docker' })
          .first();
        await Promise.race([
          started.waitFor({ state: 'visible', timeout: 180_000 }),
          failed.waitFor({ state: 'visible', timeout: 180_000 }),
        ]);
        if (await failed.isVisible())
          assert.fail(`the command failed: ${await failed.innerText()}\n${server!.extensionHostLog().slice(-3000)}`);
        const url = `http://127.0.0.1:${gatewayPort}/archon/mcp`;
        assert.match(
          await started.innerText(),
          new RegExp(`runs in Docker at ${url.replace(/[.]/g, '\\.')}.*stays up without VS Code`, 's'),
        );
        const info = await docker().getContainer(GATEWAY_CONTAINER_NAME).inspect();
        assert.equal(info.State.Running, true);
        assert.equal(info.Config.Image.startsWith('archon-mcp-doctor-gateway:'), true, info.Config.Image);
        const holder = (await (
          await fetch(`http://127.0.0.1:${gatewayPort}/.well-known/archon-mcp-doctor`)
        ).json()) as { runsIn?: string };
        assert.equal(holder.runsIn, 'docker', 'the port is served by the container now');
        await page.locator('.activitybar a[aria-label^="Archon MCP"]').first().click();
        await ui.waitUntil(
          'the tree to say the gateway runs in Docker',
          async () => /\(in Docker\)/.test(await gatewayRow().innerText()),
          30_000,
        );
        const c = await connectClient(url, { name: 'ui-docker-gateway' });
        try {
          assert.ok((await c.client.listTools()).tools.length > 0, 'a client through the container gets the tools');
        } finally {
          await c.close();
        }
        await ui.screenshot('gateway-in-docker');

        await ui.runCommand('Archon: Stop Healing Gateway in Docker');
        await page
          .locator('.notification-toast', { hasText: 'this window serves the port again' })
          .first()
          .waitFor({ state: 'visible', timeout: 60_000 });
        assert.deepEqual(
          (await docker().listContainers({ all: true, filters: { name: [GATEWAY_CONTAINER_NAME] } })).map(
            (x) => x.Names,
          ),
          [],
          'the container is gone',
        );
        await ui.waitUntil(
          'this window to serve the port again',
          async () => {
            const h = (await (await fetch(`http://127.0.0.1:${gatewayPort}/.well-known/archon-mcp-doctor`))
              .json()
              .catch(() => undefined)) as { runsIn?: string } | undefined;
            return h && h.runsIn !== 'docker' && !/\(in Docker\)/.test(await gatewayRow().innerText());
          },
          30_000,
        );
        await ui.screenshot('gateway-back-in-window');
      },
    );
  },
);
