// Chaos over stdio: an SDK client talks to `archon-mcp-doctor stdio` (the built bundle) while the upstream
// is killed (SIGKILL) and restarted 10 times: every call answered, no write run twice. mcp-remote (npm)
// runs beside it against the same server as the comparison; what it does is recorded and asserted.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startServer, type RunningServer, type ServerKind } from '../helpers/servers';
import { bridgeCommand, connectStdio, mcpRemoteCommand, type StdioConnected } from './stdio-util';
import { executions, sleep, textOf } from './util';

const RESTARTS = 10;

interface Call {
  at: number;
  end: number;
  ok: boolean;
  error?: string;
}

/** Calls back to back until stop(), `pauseMs` between calls. */
async function loop(
  call: (i: number) => Promise<void>,
  stop: () => boolean,
  opts: { pauseMs?: number } = {},
): Promise<Call[]> {
  const calls: Call[] = [];
  for (let i = 0; !stop(); i++) {
    const at = Date.now();
    try {
      await call(i);
      calls.push({ at, end: Date.now(), ok: true });
    } catch (e) {
      calls.push({ at, end: Date.now(), ok: false, error: (e as Error).message });
    }
    if (opts.pauseMs) await sleep(opts.pauseMs);
  }
  return calls;
}

async function chaos(
  kind: ServerKind,
  tool: (i: number) => { name: string; arguments: Record<string, unknown> },
  expect: (text: string, i: number) => void,
) {
  const dir = mkdtempSync(join(tmpdir(), 'stdio-chaos-'));
  const srv: RunningServer = await startServer(
    kind,
    kind === 'fixture' ? { testTools: true, stateFile: join(dir, 'executions.jsonl') } : {},
  );
  const clients: StdioConnected[] = [];
  try {
    const bridge = await connectStdio(bridgeCommand(srv.url, ['--hold-timeout', '20']), 'bridge-reader');
    clients.push(bridge);
    const writer =
      kind === 'fixture'
        ? await connectStdio(bridgeCommand(srv.url, ['--hold-timeout', '20']), 'bridge-writer')
        : undefined;
    if (writer) clients.push(writer);
    const remote = await connectStdio(mcpRemoteCommand(srv.url), 'mcp-remote');
    clients.push(remote);
    await bridge.client.listTools();
    await remote.client.listTools();

    let done = false;
    let readsOk = 0;
    // As in chaos.test.ts: no kill while a write is on its way (a write cut off mid-call is, rightly, an
    // error); writes sent while the server is down are held and answered. Check and flag are set in one
    // synchronous step, so the killer never misses a write that is just starting.
    let writesPaused = false;
    let writeActive = false;
    const written: string[] = [];
    const reads = loop(
      async (i) => {
        expect(textOf(await bridge.client.callTool(tool(i))), i);
        readsOk++;
      },
      () => done,
    );
    // mcp-remote fails fast once broken: a short pause keeps its loop from spinning. A call of its that
    // hangs (one in flight at a kill may never be answered) ends at its timeout, so the loop goes on.
    let remoteBack = 0;
    let firstBackAt = 0;
    const remoteCalls = loop(
      async (i) => {
        const at = Date.now();
        try {
          expect(textOf(await remote.client.callTool(tool(i), undefined, { timeout: 10_000 })), i);
        } finally {
          if (firstBackAt && at > firstBackAt) remoteBack++;
        }
      },
      () => done,
      { pauseMs: 20 },
    );
    const writes = writer
      ? (async () => {
          const calls: Call[] = [];
          for (let i = 0; !done; i++) {
            while (writesPaused) await sleep(5);
            if (done) break;
            writeActive = true;
            const at = Date.now();
            const key = `w${i}`;
            try {
              assert.match(
                textOf(await writer.client.callTool({ name: 'test_write', arguments: { key } })),
                /"executions":1/,
              );
              written.push(key);
              calls.push({ at, end: Date.now(), ok: true });
            } catch (e) {
              calls.push({ at, end: Date.now(), ok: false, error: (e as Error).message });
            } finally {
              writeActive = false;
            }
          }
          return calls;
        })()
      : Promise.resolve([] as Call[]);

    let firstKillAt = 0;
    for (let n = 0; n < RESTARTS; n++) {
      // Kill only once the bridge has answered calls against this instance: a condition, not a timer.
      const wanted = readsOk + 2;
      while (readsOk < wanted) await sleep(10);
      await sleep(100 + Math.random() * 300);
      writesPaused = true;
      while (writeActive) await sleep(5);
      if (n === 0) firstKillAt = Date.now();
      await srv.kill('SIGKILL');
      writesPaused = false;
      await sleep(100 + Math.random() * 400);
      await srv.restart();
      if (n === 0) firstBackAt = Date.now();
    }
    await sleep(500);
    // The comparison needs mcp-remote's calls after the first restart: wait for a few (bounded).
    for (const until = Date.now() + 45_000; remoteBack < 3 && Date.now() < until; ) await sleep(50);
    done = true;
    const [r, w, m] = await Promise.all([reads, writes, remoteCalls]);

    // The bridge: every call answered.
    assert.deepEqual(
      r.filter((c) => !c.ok).map((c) => c.error),
      [],
      `no call through the bridge failed; stderr: ${bridge.stderr().slice(-2000)}`,
    );
    assert.deepEqual(
      w.filter((c) => !c.ok).map((c) => c.error),
      [],
      'no write through the bridge failed',
    );
    assert.ok(r.length >= 2 * RESTARTS, `calls through the bridge against every instance (${r.length} calls)`);
    if (writer) {
      assert.ok(w.length >= RESTARTS, `writes through the bridge all along (${w.length} writes)`);
      const counts = await executions(srv.url);
      for (const key of written) assert.equal(counts.keys.test_write?.[key], 1, `write ${key} ran once`);
      assert.equal(Object.values(counts.keys.test_write ?? {}).filter((n) => n !== 1).length, 0, 'no write ran twice');
    }
    assert.match(bridge.stderr(), /re-initialized upstream/, 'the bridge healed by re-initializing');

    // mcp-remote, measured beside it: fine before the first restart, then every call fails on the
    // server's 400 for the session it still holds (it never re-initializes).
    const before = m.filter((c) => c.end < firstKillAt);
    const afterBack = m.filter((c) => c.at > firstBackAt);
    assert.ok(
      before.length > 0 && before.every((c) => c.ok),
      `mcp-remote works before the first restart (${before.length} calls)`,
    );
    assert.ok(
      afterBack.length >= 3,
      `mcp-remote kept being called after the first restart (${afterBack.length} calls)`,
    );
    assert.equal(afterBack.filter((c) => c.ok).length, 0, 'mcp-remote answered no call after the first restart');
    assert.ok(
      afterBack.some((c) => /No valid session ID provided/.test(c.error ?? '')),
      `mcp-remote's errors quote the 400: ${afterBack[afterBack.length - 1]?.error}`,
    );
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('stdio bridge chaos, with mcp-remote beside it', () => {
  it('Archon-like fixture (400 text/plain): every call answered, no write twice; mcp-remote fails after the first restart', async () => {
    await chaos(
      'fixture',
      () => ({ name: 'test_read', arguments: {} }),
      (text) => assert.match(text, /executions/),
    );
  });

  it('server-everything (400 JSON): every call answered; mcp-remote fails after the first restart', async () => {
    await chaos(
      'everything-streamable',
      (i) => ({ name: 'echo', arguments: { message: `m${i}` } }),
      (text, i) => assert.match(text, new RegExp(`m${i}\\b`)),
    );
  });
});
