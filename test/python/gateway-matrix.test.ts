// The gateway's restart matrix with the real Python servers as upstreams: TypeScript clients (v1, v2 auto,
// v2 pinned 2026-07-28) and the four Python clients, each holding one session through the gateway, reads
// (find_tasks, 150 ms like Archon's API round trip) and keyed writes (manage_task) while the server restarts
// 10 times (SIGTERM and SIGKILL). Every read is answered; no write runs twice (one cut off in flight may come
// back ambiguous, never repeated). Archon's tools carry no annotations: reads are repeated because the gateway
// knows Archon (serverInfo.name 'archon-mcp-server').
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { startGateway } from '../../src/core/gateway';
import { PY_SERVERS, skipWithoutPython, startPythonServer } from '../helpers/python';
import { PY_CALLERS, RESTARTS, TS_CLIENTS, recordOutcome, restartRun, type Caller } from './matrix';

const dir = mkdtempSync(join(tmpdir(), 'py-gw-matrix-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('gateway restart matrix with Python servers as upstreams', () => {
  for (const { flavour, label } of PY_SERVERS) {
    test(`${label}: 3 TS clients and 4 Python clients, ${RESTARTS} restarts`, { timeout: 300_000 }, async (t) => {
      if (skipWithoutPython(t, [flavour, 'mcp-1'])) return;
      const stateFile = join(dir, `${flavour}.jsonl`);
      const server = await startPythonServer(flavour, { stateFile, readDelayMs: 150, writeDelayMs: 50 });
      const gw = await startGateway({
        upstreams: [{ name: 'archon', url: server.url }],
        port: 0,
        holdTimeoutMs: 20_000,
      });
      const callers: Caller[] = [];
      try {
        for (const c of [...TS_CLIENTS, ...PY_CALLERS]) callers.push(await c.connect(gw.url()));
        const run = await restartRun(server, callers, stateFile);
        recordOutcome('gateway', label, run);
        for (const o of run.perClient)
          t.diagnostic(
            `${o.client}: reads ${o.readsFailed}/${o.reads} failed, writes ${o.writesFailed}/${o.writes} failed ${o.errors.join(' | ')}`,
          );
        assert.equal(run.pids, RESTARTS + 1, `the server really ran as ${RESTARTS + 1} processes`);
        assert.deepEqual(run.twice, [], 'no write ran twice');
        assert.ok(run.written.length >= RESTARTS, `writes went on (${run.written.length})`);
        for (const o of run.perClient) {
          assert.ok(o.reads >= RESTARTS, `${o.client} kept reading (${o.reads})`);
          assert.equal(o.readsFailed, 0, `${o.client}: every read answered (${o.errors.join(' | ')})`);
          assert.deepEqual(
            o.errors.filter((e) => !/may or may not have run/i.test(e)),
            [],
            `${o.client}: a write fails only as "may or may not have run"`,
          );
        }
        if (server.termHangs.length) t.diagnostic(`SIGTERMs ${label} did not leave on: ${server.termHangs.length}`);
      } finally {
        for (const c of callers) await c.close().catch(() => undefined);
        await gw.stop();
        await server.stop();
      }
    });
  }
});
