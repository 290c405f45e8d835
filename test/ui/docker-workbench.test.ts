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
import { engineAvailable, removeContainer, runFixtureContainer, skipWithoutDocker, type FixtureContainer } from '../helpers/docker';
import { REPO_ROOT, openWorkbench, startCodeServer, type CodeServer, type Workbench } from '../vscode/code-server';
import { createDriver, uiTestParts, type Driver } from './driver';

const SHOTS = path.join(REPO_ROOT, 'test-results', 'ui', 'docker');
const SERVER_NAME = 'Archon';
const CONTAINER = `amd-ui-archon-${process.pid}`;
const STEP_TIMEOUT = 90_000;

const { tools, vsix, gate } = uiTestParts();

describe('the packaged extension in code-server with Archon in a real container', { skip: gate && !gate.fail ? gate.message : false }, () => {
  let fc: FixtureContainer | undefined;
  let server: CodeServer | undefined;
  let wb: Workbench | undefined;
  let ui: Driver;

  before(async () => {
    if (gate) throw new Error(gate.message);
    if (!(await engineAvailable())) return; // each test skips (or fails with CI=true) with the reason
    fs.rmSync(SHOTS, { recursive: true, force: true });
    fs.mkdirSync(SHOTS, { recursive: true });
    fc = await runFixtureContainer({ name: CONTAINER, memoryMb: 128, stopTimeoutSeconds: 1 });
    server = await startCodeServer({
      tools,
      vsix: [vsix!],
      logFile: path.join(SHOTS, 'code-server.log'),
      userSettings: {
        'archonMcp.servers': [{ name: SERVER_NAME, url: fc.url, transport: 'streamable-http', healthUrl: fc.healthUrl, container: CONTAINER }],
        'archonMcp.pingIntervalSeconds': 2,
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
    await removeContainer(CONTAINER).catch(() => undefined);
  });

  const ariaLabel = async () => (await ui.statusItem().getAttribute('aria-label')) ?? '';
  const classes = async () => (await ui.statusItem().getAttribute('class')) ?? '';

  it('1. docker stop: a calm "Archon: not running" with Start Container; clicking the item starts it and it heals', { timeout: STEP_TIMEOUT * 2 }, async (t) => {
    if (await skipWithoutDocker(t)) return;
    const item = ui.statusItem();
    await item.waitFor({ state: 'visible', timeout: 60_000 });
    await ui.waitUntil('the item to say healthy', async () => /healthy/.test(await ariaLabel()), 60_000);

    await fc!.container.stop({ t: 1 });
    await ui.waitUntil('the calm "not running" look', async () => /not running/.test(await item.innerText()), 30_000);
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
    await ui.waitUntil('healthy again after Start Container', async () => /healthy/.test(await ariaLabel()) && !/error-kind/.test(await classes()), 60_000);
    assert.equal((await fc!.container.inspect()).State.Running, true, 'the click started the container');
    await ui.screenshot('started-healthy');
  });

  it('2. "Archon: Rehearse a Restart": confirm, the container restarts, the report names detection, heal and cause', { timeout: STEP_TIMEOUT * 2 }, async (t) => {
    if (await skipWithoutDocker(t)) return;
    const page = wb!.page;
    const startedBefore = (await fc!.container.inspect()).State.StartedAt;
    await ui.runCommand('Archon: Rehearse a Restart');
    const confirm = page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Restart and Watch' }).first();
    await confirm.waitFor({ state: 'visible', timeout: 15_000 });
    await ui.screenshot('rehearsal-confirm');
    await confirm.click();
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'healed: restart noticed in' }).first();
    await toast.waitFor({ state: 'visible', timeout: 60_000 });
    const summary = await toast.innerText();
    assert.match(summary, /Archon healed: restart noticed in [\d.]+ m?s, healthy again [\d.]+ m?s later \(docker restart\)/, summary);
    assert.notEqual((await fc!.container.inspect()).State.StartedAt, startedBefore, 'the container really restarted');
    await ui.screenshot('rehearsal-summary');
    await toast.locator('.monaco-button', { hasText: 'Show Report' }).click();
    const report = await ui.waitUntil('the rehearsal report in an editor', async () => {
      const text = (await page.locator('.editor-instance .view-lines').first().innerText().catch(() => '')).replace(/\u00a0/g, ' ');
      return text.includes('Restart rehearsal: Archon') ? text : undefined;
    }, 20_000);
    assert.match(report, /\| Outcome \| healed \|/);
    assert.match(report, /\| Detection time \| [\d.]+ m?s \|/);
    assert.match(report, /\| Heal time \| [\d.]+ m?s \|/);
    assert.match(report, /\| Cause named \| docker restart/);
    assert.match(report, /\| Client requests held and answered by the gateway \| \d+/);
    await ui.screenshot('rehearsal-report');
  });
});
