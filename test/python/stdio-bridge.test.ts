// Through the `stdio --upstream` bridge (dist/cli.js): each Python client starts the bridge itself as its
// stdio server (the Python SDK's stdio client; LangChain, Pydantic AI and the OpenAI Agents SDK with theirs),
// the bridge holds the session to Archon's Python server (mcp==1.12.2) across 10 restarts. Every read is
// answered; no write runs twice.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { PY_CLIENTS, skipWithoutPython, startPythonClient, startPythonServer } from '../helpers/python';
import { CLI_BUNDLE, bridgeCommand } from '../gateway/stdio-util';
import { RESTARTS, recordOutcome, restartRun, type Caller } from './matrix';

const dir = mkdtempSync(join(tmpdir(), 'py-stdio-bridge-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('Python stdio clients through the stdio bridge to Archon (mcp 1.12.2)', () => {
  test(`${PY_CLIENTS.join(', ')}: ${RESTARTS} restarts`, { timeout: 300_000 }, async (t) => {
    if (skipWithoutPython(t, ['mcp-1.12', 'mcp-1'])) return;
    assert.ok(existsSync(CLI_BUNDLE), `${CLI_BUNDLE} is missing: run \`npm run build\` first`);
    const stateFile = join(dir, 'archon.jsonl');
    const server = await startPythonServer('mcp-1.12', { stateFile, readDelayMs: 150, writeDelayMs: 50 });
    const callers: Caller[] = [];
    try {
      const bridge = bridgeCommand(server.url);
      for (const kind of PY_CLIENTS) {
        const c = await startPythonClient(kind, { stdio: [bridge.command, ...bridge.args] });
        callers.push({ name: `Python ${kind} (stdio)`, call: c.call, close: c.close });
      }
      const run = await restartRun(server, callers, stateFile);
      recordOutcome('stdio bridge', 'mcp 1.12.2 FastMCP (Archon)', run);
      for (const o of run.perClient)
        t.diagnostic(
          `${o.client}: reads ${o.readsFailed}/${o.reads} failed, writes ${o.writesFailed}/${o.writes} failed ${o.errors.join(' | ')}`,
        );
      assert.equal(run.pids, RESTARTS + 1);
      assert.deepEqual(run.twice, [], 'no write ran twice');
      for (const o of run.perClient) {
        assert.equal(o.readsFailed, 0, `${o.client}: every read answered (${o.errors.join(' | ')})`);
        assert.deepEqual(
          o.errors.filter((e) => !/may or may not have run/i.test(e)),
          [],
          `${o.client}: a write fails only as "may or may not have run"`,
        );
      }
    } finally {
      for (const c of callers) await c.close().catch(() => undefined);
      await server.stop();
    }
  });
});
