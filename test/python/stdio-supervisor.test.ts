// Archon's server on the real Python SDK (mcp==1.12.2 FastMCP) over stdio, started with the venv's python
// under the stdio supervisor, driven by the v1 SDK's stdio client: killed (SIGKILL, SIGTERM) and frozen
// (SIGSTOP) under read loops of Archon's bare tools. Every read is answered (the supervisor knows Archon's
// reads, as the gateway does); a manage_task in flight is answered "may or may not have run" and ran once.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { listSupervisedServers } from '../../src/core/stdio';
import { answered, loop } from '../gateway/call-loops';
import { PYTHON_FIXTURES, skipWithoutPython, venvPython } from '../helpers/python';
import { sleep, waitFor } from '../helpers/wait';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
const FAULTS: NodeJS.Signals[] = ['SIGKILL', 'SIGTERM', 'SIGKILL', 'SIGSTOP', 'SIGKILL', 'SIGTERM'];
const dir = mkdtempSync(join(tmpdir(), 'py-stdio-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("Archon's Python server (mcp 1.12.2) over stdio under the supervisor", () => {
  it(`${FAULTS.length} faults (SIGKILL, SIGTERM, SIGSTOP) under read loops: every read answered; a write in flight ran once`, async (t) => {
    if (skipWithoutPython(t, ['mcp-1.12'])) return;
    const state = join(dir, 'state');
    const writes = join(dir, 'writes.jsonl');
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [
        CLI,
        'stdio',
        '--state-dir',
        state,
        '--wedge-timeout',
        '3',
        '--quiet',
        '--',
        venvPython('mcp-1.12'),
        join(PYTHON_FIXTURES, 'archon_server.py'),
      ],
      env: {
        ...(process.env as Record<string, string>),
        FIXTURE_TRANSPORT: 'stdio',
        FIXTURE_READ_DELAY_MS: '150',
        FIXTURE_WRITE_DELAY_MS: '1500',
        FIXTURE_STATE_FILE: writes,
      },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
    const client = new Client({ name: 'py-stdio-test', version: '1.0.0' });
    client.onerror = () => undefined;
    await client.connect(transport);
    const serverPid = async () =>
      await waitFor(
        'the supervisor state file',
        () => listSupervisedServers(state).find((s) => s.serverPid)?.serverPid ?? undefined,
        20_000,
        50,
      );
    try {
      const before = (await client.listTools()).tools.map((x) => x.name).sort();
      assert.equal(client.getServerVersion()?.name, 'archon-mcp-server');
      let stop = false;
      const loops = ['find_tasks', 'rag_get_available_sources'].map((name) =>
        loop(
          async () => void (await client.callTool({ name, arguments: {} })),
          () => stop,
        ),
      );
      try {
        for (const signal of FAULTS) {
          await answered(
            loops.map((l) => l.progress),
            2,
          );
          const pid = await serverPid();
          process.kill(pid, signal);
          await waitFor(
            `a new server after ${signal}`,
            () => listSupervisedServers(state).some((s) => s.serverPid && s.serverPid !== pid),
            60_000,
            50,
          );
        }
        await answered(
          loops.map((l) => l.progress),
          2,
        );
      } finally {
        stop = true;
      }
      const results = await Promise.all(loops.map((l) => l.done));
      const errors = results.flatMap((r) => r.errors);
      assert.deepEqual(
        errors,
        [],
        `${errors.length} of ${results.reduce((a, r) => a + r.calls, 0)} reads failed\n${stderr.slice(-3000)}`,
      );
      assert.deepEqual((await client.listTools()).tools.map((x) => x.name).sort(), before, 'the same tools after');

      // A write cut off: it has run (recorded first), its answer is 1.5 s away when the server is killed.
      const pending = client
        .callTool({ name: 'manage_task', arguments: { action: 'create', title: 'py-stdio-cut' } })
        .then(
          () => 'answered',
          (e: Error) => e.message,
        );
      const ran = () =>
        existsSync(writes)
          ? readFileSync(writes, 'utf8')
              .split('\n')
              .filter((l) => l.includes('"py-stdio-cut"')).length
          : 0;
      await waitFor('the write to run', () => ran() > 0, 20_000, 20);
      process.kill(await serverPid(), 'SIGKILL');
      assert.match(
        await pending,
        /may or may not have run; the supervisor did not repeat it \(known server Archon: 'manage_\*' writes\)/,
      );
      await sleep(300);
      assert.equal(ran(), 1, 'never run twice');
    } finally {
      await client.close();
    }
  });
});
