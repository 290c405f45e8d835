// Every client era × every upstream, through one gateway, across 10 upstream restarts (SIGKILL):
// clients: a 2025 client (v1 SDK), a v2 client negotiating ('auto'), a v2 client pinned to 2026-07-28;
// upstreams: the Archon-like fixture (2025, in-memory sessions), server-everything (2025, from npm),
// the modern fixture (2026-07-28 only). Every call is answered; where the upstream counts executions,
// no write runs twice.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startServer, type RunningServer, type ServerKind } from '../helpers/servers';
import { startGateway } from '../../src/core/gateway';
import { connectModern } from './modern-util';
import { connectClient, executions, sleep, textOf } from './util';
import { answered, loop } from './call-loops';

const RESTARTS = 10;
const CALLS_PER_WINDOW = 2;

interface Caller {
  name: string;
  call(tool: string, args: Record<string, unknown>): Promise<unknown>;
  close(): Promise<void>;
}

const CLIENTS: { name: string; connect(url: string): Promise<Caller> }[] = [
  {
    name: '2025 client (v1 SDK)',
    async connect(url) {
      const c = await connectClient(url, { name: 'matrix-2025' });
      return { name: this.name, call: (name, args) => c.client.callTool({ name, arguments: args }), close: c.close };
    },
  },
  ...(['auto', 'pinned'] as const).map((how) => ({
    name: `v2 client (${how})`,
    async connect(url: string): Promise<Caller> {
      const c = await connectModern(url, how, `matrix-${how}`);
      return {
        name: this.name,
        call: (name: string, args: Record<string, unknown>) => c.client.callTool({ name, arguments: args }),
        close: c.close,
      };
    },
  })),
];

interface Upstream {
  kind: ServerKind;
  label: string;
  read: { tool: string; args: (i: number) => Record<string, unknown>; expect: (i: number) => RegExp };
  /** The upstream counts executions of test_write by key. */
  counts: boolean;
}

const UPSTREAMS: Upstream[] = [
  {
    kind: 'fixture',
    label: 'Archon-like fixture (2025)',
    read: { tool: 'test_read', args: () => ({}), expect: () => /executions/ },
    counts: true,
  },
  {
    kind: 'everything-streamable',
    label: 'server-everything (2025)',
    read: { tool: 'echo', args: (i) => ({ message: `m${i}` }), expect: (i) => new RegExp(`m${i}\\b`) },
    counts: false,
  },
  {
    kind: 'modern',
    label: 'modern fixture (2026-07-28 only)',
    read: { tool: 'test_read', args: () => ({}), expect: () => /executions/ },
    counts: true,
  },
];

describe('every client era × every upstream through the gateway, 10 restarts each', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-matrix-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const up of UPSTREAMS) {
    it(`${up.label}: ${CLIENTS.map((c) => c.name).join(', ')}`, { timeout: 240_000 }, async () => {
      const srv: RunningServer = await startServer(
        up.kind,
        up.counts ? { testTools: true, stateFile: join(dir, `${up.kind}.jsonl`) } : {},
      );
      const gw = await startGateway({ upstreams: [{ name: up.kind, url: srv.url }], port: 0, holdTimeoutMs: 20_000 });
      const callers: Caller[] = [];
      try {
        for (const c of CLIENTS) callers.push(await c.connect(gw.url()));
        let done = false;
        let writesPaused = false;
        const inFlight = new Set<Promise<unknown>>();
        const written: string[] = [];
        const stop = () => done;
        const reads = callers.map((c) =>
          loop(async (i) => {
            assert.match(textOf(await c.call(up.read.tool, up.read.args(i))), up.read.expect(i));
          }, stop),
        );
        // Writes are held while the upstream is down but not sent into a kill (a write cut off there is,
        // correctly, an error): the killer waits for the writes in flight.
        const writes = up.counts
          ? callers.map((c, ci) =>
              loop(
                async (i) => {
                  const key = `${ci}-${i}`;
                  const p = c.call('test_write', { key });
                  inFlight.add(p);
                  try {
                    assert.match(textOf(await p), /"executions":1/);
                    written.push(key);
                  } finally {
                    inFlight.delete(p);
                  }
                },
                stop,
                async () => {
                  while (writesPaused) await sleep(5);
                },
              ),
            )
          : [];
        const loops = [...reads, ...writes];
        const window = () =>
          answered(
            reads.map((r) => r.progress),
            CALLS_PER_WINDOW,
          );
        const pids = new Set<number>([srv.pid]);
        try {
          for (let n = 0; n < RESTARTS; n++) {
            await Promise.all([sleep(150 + Math.random() * 200), window()]);
            writesPaused = true;
            await Promise.allSettled([...inFlight]);
            await srv.kill('SIGKILL');
            writesPaused = false;
            await sleep(50 + Math.random() * 200);
            await srv.restart();
            pids.add(srv.pid);
          }
          await window();
        } finally {
          done = true;
          await Promise.all(loops.map((l) => l.done));
        }
        const errors = loops.flatMap((l) => l.progress.errors);
        assert.equal(pids.size, RESTARTS + 1, `the upstream really ran as ${RESTARTS + 1} processes`);
        assert.deepEqual(errors, [], 'every call answered');
        if (up.counts) {
          assert.ok(written.length >= RESTARTS, `writes went on (${written.length})`);
          const counts = (await executions(srv.url)).keys.test_write ?? {};
          for (const key of written) assert.equal(counts[key], 1, `write ${key} ran once`);
          assert.deepEqual(
            Object.entries(counts).filter(([, n]) => n !== 1),
            [],
            'no write ran twice',
          );
        }
      } finally {
        for (const c of callers) await c.close();
        await gw.stop();
        await srv.stop();
      }
    });
  }
});
