// The tests' own server that counts writes on disk, through the supervisor while it is killed and frozen
// during calls: no write runs twice, only calls in flight get "may or may not have run", every read is
// answered, the tool list stays the same — and when a new run's tools differ the client is told.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { COUNTER_SERVER, fault, killMarked, settle, sleep, supervise, textOf, waitNoneLeft, type Era } from './util';

const marks: string[] = [];
after(() => marks.forEach(killMarked));
const SIGNALS: NodeJS.Signals[] = [
  'SIGKILL',
  'SIGTERM',
  'SIGSTOP',
  'SIGKILL',
  'SIGTERM',
  'SIGSTOP',
  'SIGKILL',
  'SIGTERM',
  'SIGSTOP',
  'SIGKILL',
];

function keysOnDisk(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

for (const era of ['v1', 'v2'] as Era[]) {
  describe(`writes through the supervisor, ${era} client`, () => {
    it(`${SIGNALS.length} faults during calls: no write twice, ambiguous only in flight, every read answered`, async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'stdio-writes-'));
      const file = join(dir, 'writes.txt');
      const s = await supervise(['node', COUNTER_SERVER], {
        era,
        env: { COUNTER_FILE: file },
        cliArgs: ['--wedge-timeout', '1', '--json'],
      });
      marks.push(s.mark);
      const answered = new Map<string, 'ok' | 'ambiguous' | 'error'>();
      const problems: string[] = [];
      try {
        const before = (await s.client.listTools()).tools.map((x) => x.name).sort();
        const write = async (key: string, delayMs = 0) => {
          const r = await settle(() => s.client.callTool({ name: 'write_note', arguments: { key, delayMs } }));
          if (r.ok && !r.value.isError) answered.set(key, 'ok');
          else if (!r.ok && /may or may not have run/.test(r.error.message)) {
            answered.set(key, 'ambiguous');
            if (!key.startsWith('inflight-')) problems.push(`${key}: ${r.error.message}`);
          } else {
            answered.set(key, 'error');
            problems.push(`${key}: ${r.ok ? textOf(r.value) : r.error.message}`);
          }
        };
        const read = async (what: string) => {
          const r = await settle(() => s.client.callTool({ name: 'read_notes', arguments: { delayMs: 200 } }));
          if (!r.ok || r.value.isError) problems.push(`read ${what}: ${r.ok ? textOf(r.value) : r.error.message}`);
        };
        for (const [i, signal] of SIGNALS.entries()) {
          const pid = await s.serverPid();
          const startedAt = Date.now();
          await write(`settled-${i}`); // answered before the fault: must stay written once
          // In flight at the fault: a write that sleeps before writing, and a read.
          const calls = [write(`inflight-${i}`, 400), read(`inflight-${i}`)];
          await sleep(100);
          fault(pid, signal);
          // Sent while the server is down or frozen: held, then run once on the new run.
          calls.push(write(`after-${i}`), read(`after-${i}`));
          await Promise.all(calls);
          await sleep(Math.max(0, 2_100 - (Date.now() - startedAt)));
        }
        const keys = keysOnDisk(file);
        const twice = keys.filter((k, i) => keys.indexOf(k) !== i);
        assert.deepEqual(twice, [], 'a write ran twice');
        assert.deepEqual(
          problems,
          [],
          `calls that failed without being in flight:\n${problems.join('\n')}\n${s.stderr().slice(-3000)}`,
        );
        for (const [key, how] of answered) {
          if (how === 'ambiguous') assert.match(key, /^inflight-/, `only calls in flight may be ambiguous (${key})`);
          if (how === 'ok') assert.ok(keys.includes(key), `${key} was answered as done but is not on disk`);
        }
        const ambiguous = [...answered.values()].filter((h) => h === 'ambiguous').length;
        assert.ok(ambiguous >= 1, 'writes in flight at a fault are answered "may or may not have run"');
        assert.deepEqual((await s.client.listTools()).tools.map((x) => x.name).sort(), before);
        const restarts = s.jsonLines().filter((l) => l.type === 'stdio-restart');
        assert.equal(restarts.length, SIGNALS.length);
        const reported = restarts.reduce((n, l) => n + (l.type === 'stdio-restart' ? l.inFlight.ambiguous : 0), 0);
        assert.equal(reported, ambiguous, 'each restart line tells what happened to the calls in flight');
        t.diagnostic(
          `${keys.length} writes on disk, ${ambiguous} answered "may or may not have run", ${SIGNALS.length} faults`,
        );
      } finally {
        await s.close();
      }
      assert.deepEqual(await waitNoneLeft(s.mark), []);
    });
  });
}

describe('the session on a new run', () => {
  it('replays the logging level and subscriptions, and tells the client when the tool list changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stdio-lists-'));
    const flag = join(dir, 'extra');
    const s = await supervise(['node', COUNTER_SERVER], {
      env: { COUNTER_FILE: join(dir, 'w.txt'), EXTRA_TOOL_FILE: flag },
    });
    marks.push(s.mark);
    try {
      const client = s.client as unknown as import('@modelcontextprotocol/sdk/client/index.js').Client;
      let changed = 0;
      client.setNotificationHandler(ToolListChangedNotificationSchema, async () => void changed++);
      await client.setLoggingLevel('debug');
      await client.subscribeResource({ uri: 'notes://all' });
      assert.equal((await client.listTools()).tools.length, 2);
      // Same tools on the next run: no notification.
      let pid = await s.serverPid();
      fault(pid, 'SIGKILL');
      pid = await s.serverPid(pid);
      await client.callTool({ name: 'read_notes', arguments: {} });
      await sleep(300);
      assert.equal(changed, 0, 'the same tools: nothing to tell');
      writeFileSync(flag, '1');
      fault(pid, 'SIGKILL');
      await s.serverPid(pid);
      const until = Date.now() + 5000;
      while (changed === 0 && Date.now() < until) await sleep(50);
      assert.equal(changed, 1, 'notifications/tools/list_changed after a run with another tool');
      assert.equal((await client.listTools()).tools.length, 3);
      const levels = s.stderr().match(/^counter-server \d+ level=debug$/gm) ?? [];
      assert.equal(
        levels.length,
        3,
        `the client's level, then replayed to each new run (the server's stderr is passed on):\n${s.stderr()}`,
      );
      const subscriptions = s.stderr().match(/^counter-server \d+ subscribe=notes:\/\/all$/gm) ?? [];
      assert.equal(subscriptions.length, 3, 'the subscription renewed on each new run');
    } finally {
      await s.close();
    }
    assert.deepEqual(await waitNoneLeft(s.mark), []);
  });
});

describe('the server asks the client', () => {
  it('roots/list from each new run reaches the client under fresh ids and its answer goes back', async () => {
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
    const { ListRootsRequestSchema } = await import('@modelcontextprotocol/sdk/types.js');
    const { CLI_BUNDLE, MODULES, readState } = await import('./util.js');
    const { randomUUID } = await import('node:crypto');
    const root = mkdtempSync(join(tmpdir(), 'stdio-roots-'));
    const stateDir = mkdtempSync(join(tmpdir(), 'stdio-roots-state-'));
    const mark = randomUUID();
    marks.push(mark);
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [
        CLI_BUNDLE,
        'stdio',
        '--state-dir',
        stateDir,
        '--',
        'node',
        join(MODULES, '@modelcontextprotocol/server-filesystem/dist/index.js'),
      ],
      env: { ...(process.env as Record<string, string>), STDIO_TEST_MARK: mark },
      stderr: 'pipe',
    });
    const client = new Client(
      { name: 'roots-client', version: '1.0.0' },
      { capabilities: { roots: { listChanged: true } } },
    );
    const ids: unknown[] = [];
    client.setRequestHandler(ListRootsRequestSchema, async (_req, extra) => {
      ids.push(extra.requestId);
      return { roots: [{ uri: `file://${root}`, name: 'root' }] };
    });
    await client.connect(transport);
    try {
      const allowed = async () =>
        JSON.stringify(await client.callTool({ name: 'list_allowed_directories', arguments: {} }));
      const until = Date.now() + 5000;
      while (!(await allowed()).includes(root) && Date.now() < until) await sleep(100);
      for (let i = 0; i < 2; i++) {
        const pid = readState(stateDir)?.serverPid;
        assert.ok(pid);
        fault(pid, 'SIGKILL');
        await sleep(300);
        const again = Date.now() + 10_000;
        let learned = false;
        while (!learned && Date.now() < again) {
          learned = ids.length >= i + 2 && (await allowed()).includes(root);
          if (!learned) await sleep(100);
        }
        assert.ok(learned, `the new run asked the client for its roots and learned them (${ids.length} asks)`);
      }
      assert.equal(ids.length, 3, `one roots/list per run: ${JSON.stringify(ids)}`);
      assert.equal(new Set(ids).size, 3, `ids never repeat across runs: ${JSON.stringify(ids)}`);
    } finally {
      await client.close().catch(() => undefined);
    }
    assert.deepEqual(await waitNoneLeft(mark), []);
  });
});

describe('a busy server is not wedged', () => {
  it('a call longer than the wedge timeout completes, no restart (the server answers pings meanwhile)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stdio-busy-'));
    const s = await supervise(['node', COUNTER_SERVER], {
      env: { COUNTER_FILE: join(dir, 'w.txt') },
      cliArgs: ['--wedge-timeout', '1', '--json'],
    });
    marks.push(s.mark);
    try {
      const pid = await s.serverPid();
      const r = await s.client.callTool({ name: 'read_notes', arguments: { delayMs: 4000 } });
      assert.equal(textOf(r), '0');
      assert.equal(await s.serverPid(), pid, 'the same server run');
      assert.deepEqual(
        s.jsonLines().filter((l) => l.type === 'stdio-restart'),
        [],
      );
    } finally {
      await s.close();
    }
    assert.deepEqual(await waitNoneLeft(s.mark), []);
  });
});
