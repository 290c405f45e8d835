// Healing: upstream session lost, upstream unreachable (held), died mid-call (resend only what is
// safe to run twice), and the hold timeout's clear error.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../helpers/servers';
import type { Gateway } from '../../src/core/gateway';
import { connectClient, executions, sleep, textOf, type Connected } from './util';
import { serverAndGateway, stopBed } from './bed';

for (const unknownSessionStatus of [400, 404] as const) {
  describe(`gateway heals (upstream answers ${unknownSessionStatus} for a lost session)`, () => {
    let fx: RunningServer;
    let gw: Gateway;
    let c: Connected;
    let dir: string;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'gw-heal-'));
      ({ server: fx, gw } = await serverAndGateway(
        'fixture',
        { testTools: true, stateFile: join(dir, 'executions.jsonl'), unknownSessionStatus },
        { holdTimeoutMs: 15_000 },
      ));
      c = await connectClient(gw.url());
      await c.client.listTools(); // the gateway learns the tools' annotations
    });
    after(async () => {
      await c?.close();
      await stopBed({ gw, server: fx });
      rmSync(dir, { recursive: true, force: true });
    });

    it('re-initializes upstream after a restart; the client sees only an answer', async () => {
      const before = gw.stats().servers[0].healed.reinitialized;
      await fx.restart();
      const r = await c.client.callTool({ name: 'test_write', arguments: { key: `lost-${unknownSessionStatus}` } });
      assert.match(textOf(r), /"executions":1/);
      assert.ok(gw.stats().servers[0].healed.reinitialized > before);
      assert.equal((await executions(fx.url)).keys.test_write[`lost-${unknownSessionStatus}`], 1);
    });

    it('holds a request while the server is down and answers when it is back', async () => {
      await fx.kill();
      const back = sleep(1500).then(() => fx.restart());
      const started = Date.now();
      const r = await c.client.callTool({ name: 'test_write', arguments: { key: `held-${unknownSessionStatus}` } });
      await back;
      assert.match(textOf(r), /"executions":1/);
      assert.ok(Date.now() - started >= 1400, 'the answer waited for the server');
      assert.ok(gw.stats().servers[0].healed.held >= 1);
      assert.equal((await executions(fx.url)).keys.test_write[`held-${unknownSessionStatus}`], 1);
    });

    it('a non-idempotent tool interrupted by a crash gets a clear error and is not run again', async () => {
      const key = `crash-${unknownSessionStatus}`;
      const errorsBefore = gw.stats().servers[0].errorsReturned;
      const call = c.client.callTool({ name: 'test_write', arguments: { key, crashBeforeReply: true } });
      await assert.rejects(
        call,
        /restarted or the connection broke during the call to "test_write"\. It may or may not have run/,
      );
      await fx.exited;
      await fx.restart();
      await sleep(300);
      assert.equal((await executions(fx.url)).keys.test_write[key], 1, 'ran exactly once');
      assert.equal(gw.stats().servers[0].errorsReturned, errorsBefore + 1);
      // and the session keeps working
      assert.match(textOf(await c.client.callTool({ name: 'test_read', arguments: {} })), /executions/);
    });

    it('a non-idempotent tool killed mid-call (server killed from outside) is not run again either', async () => {
      const key = `killed-${unknownSessionStatus}`;
      const call = c.client.callTool({ name: 'test_write', arguments: { key, delayMs: 1500 } }).then(
        () => undefined,
        (e: Error) => e,
      );
      await sleep(500);
      await fx.kill();
      assert.match(String((await call)?.message), /may or may not have run/);
      await fx.restart();
      assert.equal((await executions(fx.url)).keys.test_write[key], 1);
    });

    it('a read-only tool killed mid-call is resent and answered transparently', async () => {
      const readsBefore = (await executions(fx.url)).tools.test_read ?? 0;
      const resentBefore = gw.stats().servers[0].healed.resent;
      const call = c.client.callTool({ name: 'test_read', arguments: { delayMs: 1500 } });
      await sleep(500);
      await fx.kill();
      const back = sleep(500).then(() => fx.restart());
      const r = await call;
      await back;
      assert.match(textOf(r), /executions/);
      assert.equal(
        (await executions(fx.url)).tools.test_read,
        readsBefore + 2,
        'ran once before the crash, once after',
      );
      assert.equal(gw.stats().servers[0].healed.resent, resentBefore + 1);
    });
  });
}

describe('gateway hold timeout', () => {
  let fx: RunningServer;
  let gw: Gateway;
  before(async () => {
    ({ server: fx, gw } = await serverAndGateway('fixture', { testTools: true }, { holdTimeoutMs: 1_000 }));
  });
  after(async () => {
    await stopBed({ gw, server: fx });
  });

  it('answers with a JSON-RPC error saying what happened when the server stays down', async () => {
    const c = await connectClient(gw.url());
    try {
      await fx.kill();
      const started = Date.now();
      await assert.rejects(c.client.callTool({ name: 'test_read', arguments: {} }), /did not come back within 1 s/);
      assert.ok(Date.now() - started >= 900);
      assert.equal(gw.stats().servers[0].errorsReturned, 1);
      // A Docker restart signal: requests are held, and answered once the server is back.
      gw.notifyUpstreamRestarting('archon', 5_000);
      const back = sleep(1500).then(() => fx.restart());
      assert.match(textOf(await c.client.callTool({ name: 'test_read', arguments: {} })), /executions/);
      await back;
    } finally {
      await c.close();
    }
  });
});

describe('gateway asks upstream about a tool it has no annotations for', () => {
  let fx: RunningServer;
  let gw: Gateway;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gw-ask-'));
    ({ server: fx, gw } = await serverAndGateway(
      'fixture',
      { testTools: true, stateFile: join(dir, 'executions.jsonl') },
      { holdTimeoutMs: 15_000 },
    ));
  });
  after(async () => {
    await stopBed({ gw, server: fx });
    rmSync(dir, { recursive: true, force: true });
  });

  it('read-only (learned after the restart) → resent; non-idempotent → clear error, not re-run', async () => {
    const c = await connectClient(gw.url()); // never lists tools
    try {
      const read = c.client.callTool({ name: 'test_read', arguments: { delayMs: 1000 } });
      await sleep(300);
      await fx.kill();
      const back = sleep(300).then(() => fx.restart());
      assert.match(textOf(await read), /executions/);
      await back;
      const write = c.client.callTool({ name: 'test_write', arguments: { key: 'ask', delayMs: 1000 } }).then(
        () => undefined,
        (e: Error) => e,
      );
      await sleep(300);
      await fx.kill();
      await fx.restart();
      assert.match(String((await write)?.message), /may or may not have run/);
      assert.equal((await executions(fx.url)).keys.test_write.ask, 1);
    } finally {
      await c.close();
    }
  });
});
