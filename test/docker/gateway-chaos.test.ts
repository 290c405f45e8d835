// Chaos in Docker: clients call tools through the gateway while the fixture's container is restarted
// 10 times with `docker restart`. Every call is answered; no write runs twice. The gateway learns of
// each restart from the Docker link, as it does in VS Code.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ContainerWatcher } from '../../src/core/docker';
import { startGateway, type Gateway } from '../../src/core/gateway';
import { connectClient, executions, sleep, textOf } from '../gateway/util';
import { removeContainer, runFixtureContainer, skipWithoutDocker, type FixtureContainer } from '../helpers/docker';

const RESTARTS = 10;
const NAME = 'archon-mcp-doctor-test-gateway-chaos';

describe('chaos in Docker: the fixture container restarted 10 times behind the gateway', () => {
  let fx: FixtureContainer | undefined;
  let gw: Gateway | undefined;
  after(async () => {
    await gw?.stop();
    await removeContainer(NAME);
  });

  it('answers every call and never runs a write twice', async (t) => {
    if (await skipWithoutDocker(t)) return;
    // The state file lives in the container's own filesystem, which a restart keeps.
    fx = await runFixtureContainer({ name: NAME, env: { FIXTURE_TEST_TOOLS: '1', FIXTURE_STATE_FILE: '/tmp/executions.jsonl' }, stopTimeoutSeconds: 1 });
    gw = await startGateway({ upstreams: [{ name: 'archon', url: fx.url }], port: 0, holdTimeoutMs: 30_000 });
    const reader = await connectClient(gw.url(), { name: 'reader' });
    const writer = await connectClient(gw.url(), { name: 'writer' });
    let done = false;
    const errors: string[] = [];
    const written: string[] = [];
    let reads = 0;
    // As in test/gateway/chaos.test.ts, restarts never cut a write mid-call: that case is answered,
    // correctly, with an error saying it may or may not have run (test/gateway/heal.test.ts).
    let writesPaused = false;
    let writeInFlight: Promise<void> = Promise.resolve();
    const readLoop = (async () => {
      while (!done) {
        try {
          assert.match(textOf(await reader.client.callTool({ name: 'test_read', arguments: {} })), /executions/);
          reads++;
        } catch (e) {
          errors.push(`read: ${(e as Error).message}`);
        }
      }
    })();
    const writeLoop = (async () => {
      for (let i = 0; !done; i++) {
        while (writesPaused) await sleep(5);
        if (done) break;
        const key = `w${i}`;
        const p = writer.client.callTool({ name: 'test_write', arguments: { key } }).then((r) => {
          assert.match(textOf(r), /"executions":1/);
          written.push(key);
        });
        writeInFlight = p.then(() => undefined, () => undefined);
        try {
          await p;
        } catch (e) {
          errors.push(`write ${key}: ${(e as Error).message}`);
        }
      }
    })();
    // Wired as in VS Code: the container's death (the watcher's `down`) tells the gateway it restarts.
    const watcher = new ContainerWatcher({ container: NAME });
    const died: (() => void)[] = [];
    watcher.on('down', () => {
      gw?.notifyUpstreamRestarting('archon', 15_000);
      died.splice(0).forEach((f) => f());
    });
    await watcher.start();
    try {
      for (let n = 0; n < RESTARTS; n++) {
        await sleep(300 + Math.random() * 300);
        writesPaused = true;
        await writeInFlight;
        const down = new Promise<void>((resolve) => died.push(resolve));
        const restarting = fx.container.restart({ t: 1 });
        await down;
        // Writes go on while the container is down and starting: they are held, then answered.
        writesPaused = false;
        await restarting;
      }
    } finally {
      watcher.stop();
    }
    await sleep(1_000);
    done = true;
    await Promise.all([readLoop, writeLoop]);
    await reader.close();
    await writer.close();
    const counts = await executions(fx.url);
    assert.deepEqual(errors, [], 'no call failed');
    assert.ok(reads > 20 && written.length > 20, `steady loops (${reads} reads, ${written.length} writes)`);
    for (const key of written) assert.equal(counts.keys.test_write?.[key], 1, `write ${key} ran once`);
    assert.equal(Object.values(counts.keys.test_write ?? {}).filter((n) => n !== 1).length, 0, 'no write ran twice');
    const s = gw.stats().servers[0];
    assert.equal(s.errorsReturned, 0);
    assert.ok(s.healed.reinitialized + s.healed.held + s.healed.resent >= RESTARTS, `healed: ${JSON.stringify(s.healed)}`);
  });
});
