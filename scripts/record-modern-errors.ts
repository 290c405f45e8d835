// Records the exact HTTP answers of a real 2026-07-28-only server (test/fixtures/modern-server.ts,
// v2 `createMcpHandler(…, { legacy: 'reject' })`) to the requests a client of the wrong era, or a
// careless one, sends. The classifier's unit tests read the recorded file, so they test against what
// the server really says, not what we believe it says.
//
//   npm run build && node --import tsx scripts/record-modern-errors.ts
//
// The requests are raw on purpose: no SDK client sends a wrong envelope or a mismatching header, and
// those are the answers to record. Writes test/fixtures/modern-errors.json.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  PROTOCOL_VERSION_META_KEY,
} from '@modelcontextprotocol/client';
import { startServer } from '../test/helpers/servers';

const OUT = join(process.cwd(), 'test', 'fixtures', 'modern-errors.json');
const MODERN = '2026-07-28';
const envelope = {
  [PROTOCOL_VERSION_META_KEY]: MODERN,
  [CLIENT_INFO_META_KEY]: { name: 'recorder', version: '1' },
  [CLIENT_CAPABILITIES_META_KEY]: {},
};
const modernHeaders = (method: string) => ({ 'mcp-protocol-version': MODERN, 'mcp-method': method });

interface Case {
  name: string;
  /** What a client did to get this answer. */
  scenario: string;
  method: 'POST' | 'GET' | 'DELETE';
  headers?: Record<string, string>;
  body?: unknown;
}

const CASES: Case[] = [
  {
    name: 'initialize-2025',
    scenario: 'a 2025 client opens a session with initialize (what every v1 / legacy-mode client does)',
    method: 'POST',
    body: {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'recorder', version: '1' } },
    },
  },
  {
    name: 'ping-2025-with-session',
    scenario: 'a 2025 client that held a session before the server was replaced by a modern one pings it',
    method: 'POST',
    headers: { 'mcp-protocol-version': '2025-11-25', 'mcp-session-id': '9bb6d212ca3d44f2854011f369895a65' },
    body: { jsonrpc: '2.0', id: 1, method: 'ping' },
  },
  {
    name: 'future-version',
    scenario: 'a client from the future asks for a revision the server does not know',
    method: 'POST',
    headers: { 'mcp-protocol-version': '2099-01-01', 'mcp-method': 'server/discover' },
    body: {
      jsonrpc: '2.0',
      id: 2,
      method: 'server/discover',
      params: { _meta: { ...envelope, [PROTOCOL_VERSION_META_KEY]: '2099-01-01' } },
    },
  },
  {
    name: 'ping-modern',
    scenario: 'a modern request for ping, which the 2026-07-28 revision removed',
    method: 'POST',
    headers: modernHeaders('ping'),
    body: { jsonrpc: '2.0', id: 3, method: 'ping', params: { _meta: envelope } },
  },
  {
    name: 'unknown-method',
    scenario: 'a modern request for a method the server does not have',
    method: 'POST',
    headers: modernHeaders('foo/bar'),
    body: { jsonrpc: '2.0', id: 4, method: 'foo/bar', params: { _meta: envelope } },
  },
  {
    name: 'header-version-mismatch',
    scenario: 'the MCP-Protocol-Version header names 2025-11-25, the _meta envelope 2026-07-28',
    method: 'POST',
    headers: {
      ...modernHeaders('tools/list'),
      'mcp-protocol-version': '2025-11-25',
      'mcp-session-id': '9bb6d212ca3d44f2854011f369895a65',
    },
    body: { jsonrpc: '2.0', id: 5, method: 'tools/list', params: { _meta: envelope } },
  },
  {
    name: 'header-method-missing',
    scenario: 'a modern request without the required Mcp-Method header, carrying an old session id',
    method: 'POST',
    headers: { 'mcp-protocol-version': MODERN, 'mcp-session-id': '9bb6d212ca3d44f2854011f369895a65' },
    body: { jsonrpc: '2.0', id: 6, method: 'tools/list', params: { _meta: envelope } },
  },
  {
    name: 'envelope-incomplete',
    scenario: 'a modern request whose _meta envelope lacks the client capabilities',
    method: 'POST',
    headers: modernHeaders('tools/list'),
    body: {
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/list',
      params: {
        _meta: { [PROTOCOL_VERSION_META_KEY]: MODERN, [CLIENT_INFO_META_KEY]: { name: 'recorder', version: '1' } },
      },
    },
  },
  {
    name: 'unknown-tool',
    scenario: 'a modern tools/call for a tool that does not exist',
    method: 'POST',
    headers: { ...modernHeaders('tools/call'), 'mcp-name': 'nope' },
    body: { jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'nope', arguments: {}, _meta: envelope } },
  },
  {
    name: 'stale-session-header',
    scenario: 'a modern request that still carries an Mcp-Session-Id from before a restart (ignored: nothing to lose)',
    method: 'POST',
    headers: { ...modernHeaders('server/discover'), 'mcp-session-id': '9bb6d212ca3d44f2854011f369895a65' },
    body: { jsonrpc: '2.0', id: 9, method: 'server/discover', params: { _meta: envelope } },
  },
  {
    name: 'get-stream',
    scenario: 'a 2025 client opens the standalone GET stream',
    method: 'GET',
    headers: { accept: 'text/event-stream' },
  },
  {
    name: 'delete-session',
    scenario: 'a 2025 client ends its session',
    method: 'DELETE',
    headers: { 'mcp-session-id': '9bb6d212ca3d44f2854011f369895a65' },
  },
];

async function main(): Promise<void> {
  const server = await startServer('modern');
  const answers = [];
  try {
    for (const c of CASES) {
      const res = await fetch(server.url, {
        method: c.method,
        headers: {
          accept: 'application/json, text/event-stream',
          ...(c.body ? { 'content-type': 'application/json' } : {}),
          ...c.headers,
        },
        body: c.body ? JSON.stringify(c.body) : undefined,
      });
      answers.push({
        name: c.name,
        scenario: c.scenario,
        request: { method: c.method, headers: c.headers ?? {}, body: c.body ?? null },
        status: res.status,
        contentType: res.headers.get('content-type'),
        body: await res.text(),
      });
    }
  } finally {
    await server.stop();
  }
  const version = (pkg: string) =>
    (JSON.parse(readFileSync(join(process.cwd(), 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string })
      .version;
  const recorded = {
    recordedWith: {
      server: `@modelcontextprotocol/server ${version('@modelcontextprotocol/server')}`,
      node: version('@modelcontextprotocol/node'),
      script: 'scripts/record-modern-errors.ts',
    },
    answers,
  };
  writeFileSync(OUT, `${JSON.stringify(recorded, null, 2)}\n`);
  process.stdout.write(`recorded ${answers.length} answers to ${OUT}\n`);
  for (const a of answers) process.stdout.write(`  ${a.name}: HTTP ${a.status} ${a.body.slice(0, 100)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
