// Chaos: SDK clients call tools in a steady loop through the gateway while the upstream is killed
// (SIGKILL) and restarted 10 times. Every call is answered; no write runs twice.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { RunningServer } from '../helpers/servers';
import type { Gateway } from '../../src/core/gateway';
import { connectClient, executions, sleep, textOf } from './util';
import { answered, loop } from './call-loops';
import { serverAndGateway, stopBed } from './bed';

const RESTARTS = 10;

/** Calls answered between restarts: the killer waits for them, so a slow (loaded) machine slows the test instead of failing it. */
const CALLS_PER_WINDOW = 6;

describe('chaos: Archon-like fixture killed and restarted 10 times', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-chaos-'));
  let fx: RunningServer | undefined;
  let gw: Gateway | undefined;
  after(async () => {
    await stopBed({ gw, server: fx });
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every call and never runs a write twice', async () => {
    ({ server: fx, gw } = await serverAndGateway(
      'fixture',
      { testTools: true, stateFile: join(dir, 'executions.jsonl') },
      { holdTimeoutMs: 20_000 },
    ));
    const reader = await connectClient(gw.url(), { name: 'reader' });
    const writer = await connectClient(gw.url(), { name: 'writer' });
    await reader.client.listTools();
    let done = false;
    // The killer never kills while a write is on its way to the server: a write interrupted
    // mid-call is, correctly, an error (see heal.test.ts). Writes sent while the server is down
    // are held and answered; reads run (and are interrupted and resent) all the time.
    let writesPaused = false;
    let writeInFlight: Promise<void> | undefined;
    const written: string[] = [];
    const reads = loop(
      async () => {
        assert.match(textOf(await reader.client.callTool({ name: 'test_read', arguments: {} })), /executions/);
      },
      () => done,
    );
    const writes = loop(
      async (i) => {
        const key = `w${i}`;
        const p = writer.client.callTool({ name: 'test_write', arguments: { key } }).then((r) => {
          assert.match(textOf(r), /"executions":1/);
          written.push(key);
        });
        writeInFlight = p.then(
          () => undefined,
          () => undefined,
        );
        await p;
      },
      () => done,
      async () => {
        while (writesPaused) await sleep(5);
      },
    );
    for (let n = 0; n < RESTARTS; n++) {
      await Promise.all([
        sleep(200 + Math.random() * 400),
        answered([reads.progress, writes.progress], CALLS_PER_WINDOW),
      ]);
      writesPaused = true;
      await writeInFlight;
      await fx.kill('SIGKILL');
      writesPaused = false;
      await sleep(100 + Math.random() * 400);
      await fx.restart();
    }
    await sleep(500);
    done = true;
    const [r, w] = await Promise.all([reads.done, writes.done]);
    await reader.close();
    await writer.close();
    const counts = await executions(fx.url);
    assert.deepEqual(r.errors, [], 'no read failed');
    assert.deepEqual(w.errors, [], 'no write failed');
    assert.ok(r.calls > 50 && w.calls > 50, `steady loops (${r.calls} reads, ${w.calls} writes)`);
    for (const key of written) assert.equal(counts.keys.test_write?.[key], 1, `write ${key} ran once`);
    assert.equal(Object.values(counts.keys.test_write ?? {}).filter((n) => n !== 1).length, 0, 'no write ran twice');
    const s = gw.stats().servers[0];
    assert.equal(s.errorsReturned, 0);
    assert.ok(
      s.healed.reinitialized + s.healed.held + s.healed.resent >= RESTARTS,
      `healed: ${JSON.stringify(s.healed)}`,
    );
  });
});

describe('chaos: server-everything (streamableHttp) killed and restarted 10 times', () => {
  let srv: RunningServer | undefined;
  let gw: Gateway | undefined;
  after(async () => {
    await stopBed({ gw, server: srv });
  });

  it('answers every call', async () => {
    ({ server: srv, gw } = await serverAndGateway(
      'everything-streamable',
      {},
      { name: 'everything', holdTimeoutMs: 20_000 },
    ));
    const c = await connectClient(gw.url(), { name: 'everything-client' });
    await c.client.listTools();
    let done = false;
    const calls = loop(
      async (i) => {
        const r = await c.client.callTool({ name: 'echo', arguments: { message: `m${i}` } });
        assert.match(textOf(r), new RegExp(`m${i}`));
      },
      () => done,
    );
    for (let n = 0; n < RESTARTS; n++) {
      await Promise.all([sleep(200 + Math.random() * 400), answered([calls.progress], CALLS_PER_WINDOW)]);
      await srv.kill('SIGKILL');
      await sleep(100 + Math.random() * 400);
      await srv.restart();
    }
    await sleep(500);
    done = true;
    const r = await calls.done;
    await c.close();
    assert.deepEqual(r.errors, []);
    assert.ok(r.calls > 50, `steady loop (${r.calls} calls)`);
    assert.equal(gw.stats().servers[0].errorsReturned, 0);
  });
});
