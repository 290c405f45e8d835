// Issue 23: Archon's own tools carry no annotations. With the faithful fixture (bare tools, reads of
// 150 ms) no read is lost to a restart — through the gateway and the stdio bridge — because the gateway
// knows Archon by its serverInfo.name and tools; a write in flight comes back "may or may not have run"
// and never runs twice. The same bare tools under another name are not repeated, unless the user says so.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningServer } from '../helpers/servers';
import { startGateway, type Gateway } from '../../src/core/gateway';
import { answered, loop } from './call-loops';
import { bridgeCommand, connectStdio } from './stdio-util';
import { connectClient, executions, sleep, textOf } from './util';
import { serverAndGateway, stopBed } from './bed';

const RESTARTS = 10;
type CallTool = (name: string, args: Record<string, unknown>) => Promise<unknown>;

/** Read loops while the fixture restarts `RESTARTS` times (SIGTERM and SIGKILL in turn); returns the errors. */
async function readsAcrossRestarts(fx: RunningServer, call: CallTool): Promise<{ calls: number; errors: string[] }> {
  let stop = false;
  const loops = [0, 1].map((n) =>
    loop(
      async () => void (await call(n ? 'rag_search_knowledge_base' : 'find_tasks', n ? { query: 'x' } : {})),
      () => stop,
    ),
  );
  try {
    for (let i = 0; i < RESTARTS; i++) {
      await answered(
        loops.map((l) => l.progress),
        2,
      );
      await fx.restart({ signal: i % 2 ? 'SIGKILL' : 'SIGTERM' });
    }
    await answered(
      loops.map((l) => l.progress),
      2,
    );
  } finally {
    stop = true;
  }
  const results = await Promise.all(loops.map((l) => l.done));
  return { calls: results.reduce((a, r) => a + r.calls, 0), errors: results.flatMap((r) => r.errors) };
}

/** A manage_task whose server is killed while it runs: the answer, and how often it ran. */
async function writeCutOff(
  fx: RunningServer,
  call: CallTool,
  title: string,
): Promise<{ message: string; runs: number }> {
  const pending = call('manage_task', { action: 'create', project_id: 'p1', title }).then(
    (r) => `answered: ${textOf(r)}`,
    (e: Error) => e.message,
  );
  // The write takes 600 ms on the server (FIXTURE_WRITE_DELAY_MS): kill it once it runs.
  for (let i = 0; i < 100 && !(await executions(fx.url).catch(() => undefined))?.keys.manage_task?.[title]; i++)
    await sleep(20);
  await fx.kill('SIGKILL');
  const message = await pending;
  await fx.restart();
  await sleep(200);
  return { message, runs: (await executions(fx.url)).keys.manage_task?.[title] ?? 0 };
}

describe("Archon's bare tools through the gateway (known server)", () => {
  let fx: RunningServer;
  let gw: Gateway;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gw-repeat-'));
    // The write records itself first, then takes 600 ms: a kill in between leaves it run, unanswered.
    ({ server: fx, gw } = await serverAndGateway(
      'fixture',
      {
        stateFile: join(dir, 'executions.jsonl'),
        env: { FIXTURE_READ_DELAY_MS: '150', FIXTURE_WRITE_DELAY_MS: '0', FIXTURE_WRITE_AFTER_MS: '600' },
      },
      { holdTimeoutMs: 20_000 },
    ));
  });
  after(async () => {
    await stopBed({ gw, server: fx });
    rmSync(dir, { recursive: true, force: true });
  });

  it(`${RESTARTS} restarts (SIGTERM, SIGKILL) under read loops: no read fails`, async () => {
    const c = await connectClient(gw.url());
    try {
      const tools = await c.client.listTools();
      assert.ok(
        tools.tools.every((t) => t.annotations === undefined),
        'the fixture is faithful: no tool carries annotations',
      );
      const r = await readsAcrossRestarts(fx, (name, args) => c.client.callTool({ name, arguments: args }));
      assert.deepEqual(r.errors, [], `${r.errors.length} of ${r.calls} reads failed`);
      assert.ok(
        gw.stats().servers[0].healed.resent + gw.stats().servers[0].healed.reinitialized > 0,
        'the gateway healed',
      );
      const repeat = gw.stats().servers[0].repeat;
      assert.equal(repeat.knownServer, 'Archon');
      assert.deepEqual(
        repeat.tools.filter((t) => !t.repeat).map((t) => t.tool),
        ['manage_document', 'manage_project', 'manage_task', 'manage_version'],
      );
    } finally {
      await c.close();
    }
  });

  it('a manage_task in flight comes back "may or may not have run", names why, and ran once', async () => {
    const c = await connectClient(gw.url());
    try {
      await c.client.listTools();
      const r = await writeCutOff(fx, (name, args) => c.client.callTool({ name, arguments: args }), 'cut-off-1');
      assert.match(
        r.message,
        /may or may not have run; the gateway did not repeat it \(known server Archon: 'manage_\*' writes\)/,
      );
      assert.equal(r.runs, 1, 'never run twice');
    } finally {
      await c.close();
    }
  });
});

describe("Archon's bare tools through the stdio bridge", () => {
  let fx: RunningServer;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stdio-repeat-'));
    fx = await startServer('fixture', {
      stateFile: join(dir, 'executions.jsonl'),
      env: { FIXTURE_READ_DELAY_MS: '150', FIXTURE_WRITE_AFTER_MS: '600' },
    });
  });
  after(async () => {
    await fx?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`${RESTARTS} restarts under read loops: no read fails; a write in flight is not repeated`, async () => {
    const c = await connectStdio(bridgeCommand(fx.url, ['--hold-timeout', '20', '--quiet']));
    try {
      await c.client.listTools();
      const call: CallTool = (name, args) => c.client.callTool({ name, arguments: args });
      const r = await readsAcrossRestarts(fx, call);
      assert.deepEqual(r.errors, [], `${r.errors.length} of ${r.calls} reads failed`);
      const w = await writeCutOff(fx, call, 'cut-off-stdio');
      assert.match(w.message, /may or may not have run/);
      assert.equal(w.runs, 1);
    } finally {
      await c.close();
    }
  });
});

describe('the same bare tools on a server with another name', () => {
  let fx: RunningServer;
  let dir: string;
  const gateways: Gateway[] = [];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gw-repeat-other-'));
    fx = await startServer('fixture', {
      testTools: true,
      stateFile: join(dir, 'executions.jsonl'),
      env: { FIXTURE_SERVER_NAME: 'my-tasks', FIXTURE_READ_DELAY_MS: '800' },
    });
  });
  after(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await fx?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const gateway = async (repeat?: { repeatSafe: string[]; neverRepeat: string[] }) => {
    const gw = await startGateway({
      upstreams: [{ name: 'mine', url: fx.url, repeat }],
      port: 0,
      holdTimeoutMs: 20_000,
    });
    gateways.push(gw);
    return gw;
  };
  /** A call whose server is killed (SIGKILL) mid-call and started again: its answer or error text. */
  const cutOff = async (gw: Gateway, name: string, args: Record<string, unknown> = {}) => {
    const c = await connectClient(gw.url());
    try {
      await c.client.listTools();
      const pending = c.client.callTool({ name, arguments: args }).then(
        (r) => `answered: ${textOf(r)}`,
        (e: Error) => e.message,
      );
      await sleep(300);
      await fx.restart({ signal: 'SIGKILL' });
      return await pending;
    } finally {
      await c.close();
    }
  };

  it('a read in flight comes back ambiguous, naming the flag that would allow it', async () => {
    const gw = await gateway();
    const message = await cutOff(gw, 'find_tasks');
    assert.match(message, /during the call to "find_tasks"\. It may or may not have run/);
    assert.match(message, /--repeat-safe 'find_tasks'/);
    assert.equal(gw.stats().servers[0].repeat.knownServer, undefined, 'not taken for Archon: its name differs');
    assert.match(
      gw.stats().servers[0].repeat.tools.find((t) => t.tool === 'find_tasks')?.suggestion ?? '',
      /looks like a read/,
    );
  });

  it("with --repeat-safe 'find_*' it is resent and answered", async () => {
    const gw = await gateway({ repeatSafe: ['find_*'], neverRepeat: [] });
    assert.match(await cutOff(gw, 'find_tasks'), /^answered: .*Write tests/);
    assert.ok(gw.stats().servers[0].healed.resent >= 1);
  });

  it('--never-repeat beats a readOnlyHint annotation', async () => {
    const gw = await gateway({ repeatSafe: [], neverRepeat: ['test_read'] });
    const message = await cutOff(gw, 'test_read', { delayMs: 1500 });
    assert.match(
      message,
      /may or may not have run; the gateway did not repeat it \(never repeated by your rule 'test_read'\)/,
    );
  });
});
