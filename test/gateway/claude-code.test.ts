// The real Claude Code CLI (2.1.328, scripts/setup-claude-code.sh) making its own MCP calls to an HTTP
// server through the gateway, against a local stand-in of the Messages API: each time a call is about to
// arrive, the server goes down for 2.5 s. Measured without the gateway (TESTBED): the first such call fails
// with ECONNREFUSED and every later one with "MCP server … is not connected", though the server is back.
// Through the gateway every call is held and answered. The direct configuration is the comparison
// (recorded, not asserted).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startMessagesApi, type ToolResult } from '../stdio/fixtures/messages-api';
import { skipWithout } from '../stdio/util';
import type { RunningServer } from '../helpers/servers';
import { sleep } from '../helpers/wait';
import { serverAndGateway, stopBed, type Bed } from './bed';

const CLAUDE_DIR = process.env.ARCHON_CLAUDE_CODE_DIR ?? join(homedir(), '.cache', 'archon-mcp-doctor', 'claude-code');
const CLAUDE = join(CLAUDE_DIR, 'node_modules', '@anthropic-ai', 'claude-code-linux-x64', 'claude');
const missing = existsSync(CLAUDE) ? undefined : `no Claude Code CLI at ${CLAUDE} (bash scripts/setup-claude-code.sh)`;
const CALLS = 6;
const DOWN_MS = 2_500;

let bed: Bed | undefined;
after(() => (bed ? stopBed(bed) : undefined));

async function runClaude(
  url: string,
  fx: RunningServer,
): Promise<{ results: ToolResult[]; output: string; outages: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-claude-'));
  const config = join(dir, 'mcp.json');
  writeFileSync(config, JSON.stringify({ mcpServers: { archon: { type: 'http', url } } }));
  let outages = 0;
  let restarting: Promise<void> | undefined;
  // Before each call Claude Code is told to make, the server goes down; it is back DOWN_MS later. One
  // outage at a time: calls that fail at once (directly) come faster than the server restarts.
  const api = await startMessagesApi((k) => {
    if (k >= CALLS) return undefined;
    if (!restarting) {
      outages++;
      restarting = fx.restart({ delayMs: DOWN_MS }).finally(() => (restarting = undefined));
    }
    return { name: 'mcp__archon__find_tasks', input: {} };
  });
  const claude = spawn(
    CLAUDE,
    [
      '-p',
      'List the tasks.',
      '--mcp-config',
      config,
      '--strict-mcp-config',
      '--allowedTools',
      'mcp__archon__find_tasks',
      '--max-turns',
      String(CALLS + 5),
    ],
    {
      cwd: dir,
      env: {
        ...process.env,
        HOME: join(dir, 'home'),
        ANTHROPIC_BASE_URL: api.url,
        ANTHROPIC_API_KEY: 'stand-in',
        ENABLE_TOOL_SEARCH: 'false',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  claude.stdout.on('data', (d: Buffer) => (output += d.toString()));
  claude.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((r) => claude.once('exit', () => r()));
  const bound = setTimeout(() => claude.kill('SIGKILL'), 180_000);
  await exited;
  clearTimeout(bound);
  await Promise.race([restarting?.catch(() => undefined), sleep(30_000)]);
  await api.close();
  return { results: [...api.results], output, outages };
}

describe('the real Claude Code CLI with an HTTP server that is down whenever a call arrives', () => {
  it(`through the gateway: all ${CALLS} calls answered (each held until the server was back)`, async (t) => {
    if (skipWithout(t, missing)) return;
    bed = await serverAndGateway('fixture', {}, { holdTimeoutMs: 30_000 });
    const run = await runClaude(bed.gw.url(), bed.server);
    assert.equal(run.outages, CALLS);
    assert.equal(run.results.length, CALLS, `tool results: ${JSON.stringify(run.results)}\n${run.output.slice(-2000)}`);
    assert.deepEqual(
      run.results.filter((r) => r.isError || !/Write tests/.test(r.text)),
      [],
      'every call answered with the tasks',
    );
    assert.ok(
      bed.gw.stats().servers[0].healed.held >= CALLS - 1,
      `held: ${JSON.stringify(bed.gw.stats().servers[0].healed)}`,
    );
  });

  it('the comparison: the same calls straight to the server (recorded, not asserted)', async (t) => {
    if (skipWithout(t, missing)) return;
    assert.ok(bed, 'needs the previous test');
    const run = await runClaude(bed.server.url, bed.server);
    await sleep(200);
    const failed = run.results.filter((r) => r.isError);
    t.diagnostic(
      `directly: ${run.results.length} of ${CALLS} calls got a result, ${failed.length} errors: ${failed.map((r) => r.text.slice(0, 80)).join(' | ')}`,
    );
  });
});
