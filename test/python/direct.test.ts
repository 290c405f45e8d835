// The comparison for the gateway matrix: the same clients straight to the Python servers (no gateway), each
// holding one session across restarts. None of the 2025 clients heals by itself: their calls fail from the
// first restart on and never recover (measured over 10 restarts on 2026-12-07), so 3 restarts tell the same
// in a third of the time. The numbers and the errors go to the diagnostics and test-results/python-matrix.json.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { PY_SERVERS, skipWithoutPython, startPythonServer } from '../helpers/python';
import { PY_CALLERS, TS_CLIENTS, recordOutcome, restartRun, type Caller } from './matrix';

const RESTARTS = 3;

const dir = mkdtempSync(join(tmpdir(), 'py-direct-'));
after(() => rmSync(dir, { recursive: true, force: true }));
/** Per call inside the Python clients: a call that waits on a dead session fails after this, not after 30 s. */
const CALL_TIMEOUT_S = 5;

describe('the same clients straight to the Python servers, no gateway', () => {
  for (const { flavour, label } of PY_SERVERS) {
    test(`${label}: clients fail across ${RESTARTS} restarts`, { timeout: 300_000 }, async (t) => {
      if (skipWithoutPython(t, [flavour, 'mcp-1'])) return;
      const stateFile = join(dir, `${flavour}.jsonl`);
      const server = await startPythonServer(flavour, { stateFile, readDelayMs: 150, writeDelayMs: 50 });
      const callers: Caller[] = [];
      const cannot: string[] = [];
      try {
        for (const c of TS_CLIENTS) {
          // A client pinned to 2026-07-28 cannot even connect to a 2025-only server.
          try {
            callers.push(await c.connect(server.url, CALL_TIMEOUT_S * 1000));
          } catch (e) {
            cannot.push(`${c.name}: ${(e as Error).message.slice(0, 160)}`);
          }
        }
        for (const c of PY_CALLERS) callers.push(await c.connect(server.url, CALL_TIMEOUT_S));
        const run = await restartRun(server, callers, stateFile, RESTARTS);
        recordOutcome('direct', label, run);
        for (const line of cannot) t.diagnostic(`cannot connect: ${line}`);
        for (const o of run.perClient)
          t.diagnostic(
            `${o.client}: reads ${o.readsFailed}/${o.reads} failed, writes ${o.writesFailed}/${o.writes} failed ${o.errors.join(' | ')}`,
          );
        assert.equal(run.pids, RESTARTS + 1);
        for (const o of run.perClient) {
          // Only where the server keeps sessions must a direct client lose them; on 2026-07-28 it may not.
          if (flavour === 'mcp-1.12' || flavour === 'mcp-1')
            assert.ok(o.readsFailed + o.writesFailed > 0, `${o.client} does not heal by itself against ${label}`);
        }
      } finally {
        for (const c of callers) await c.close().catch(() => undefined);
        await server.stop();
      }
    });
  }
});
