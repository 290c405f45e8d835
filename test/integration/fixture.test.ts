// Proves the Archon-like fixture (and the server helpers) against a real SDK client.
// Run after `npm run build`: node --import tsx --test test/integration/fixture.test.ts
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import { startServer, type RunningServer, type ServerKind, type StartOptions } from '../helpers/servers';

// Answers are read loosely here; the assertions check their shapes.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type LooseJson = Record<string, any>;

const ARCHON_TOOLS = [
  'health_check',
  'session_info',
  'rag_get_available_sources',
  'rag_search_knowledge_base',
  'rag_search_code_examples',
  'rag_list_pages_for_source',
  'rag_read_full_page',
  'find_projects',
  'manage_project',
  'find_tasks',
  'manage_task',
  'find_documents',
  'manage_document',
  'find_versions',
  'manage_version',
  'get_project_features',
];

const servers: RunningServer[] = [];
const clients: Client[] = [];
after(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await Promise.allSettled(servers.map((s) => s.stop()));
});

async function start(kind: ServerKind, opts?: StartOptions): Promise<RunningServer> {
  const s = await startServer(kind, opts);
  servers.push(s);
  return s;
}

async function connect(
  url: string,
  sse = false,
): Promise<{ client: Client; transport: StreamableHTTPClientTransport | SSEClientTransport }> {
  const client = new Client(
    { name: 'fixture-test', version: '1.0.0' },
    { capabilities: { sampling: {}, elicitation: {} } },
  );
  const transport = sse ? new SSEClientTransport(new URL(url)) : new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  clients.push(client);
  return { client, transport };
}

/** A raw POST carrying a session id, so status, Content-Type and body can be checked byte for byte. */
async function rawPost(url: string, sessionId?: string, method = 'ping', params?: LooseJson) {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      'MCP-Protocol-Version': '2025-06-18',
      ...(sessionId ? { 'Mcp-Session-Id': sessionId } : {}),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, ...(params ? { params } : {}) }),
  });
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    body: await res.text(),
    sessionHeader: res.headers.get('mcp-session-id'),
  };
}

const getJson = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as LooseJson };
};
/** Calls a tool that kills the server. The SDK client only rejects a call whose SSE response broke
 *  at its request timeout (60 s by default), so close the client once the process is gone. */
async function callThatKills(client: Client, server: RunningServer, name: string, args: LooseJson) {
  const call = client.callTool({ name, arguments: args }).then(
    () => 'answered',
    () => 'rejected',
  );
  const exit = await server.exited;
  await client.close();
  assert.equal(await call, 'rejected');
  return exit;
}

const resultJson = (r: unknown) => JSON.parse(((r as CallToolResult).content[0] as { text: string }).text) as LooseJson;

describe('archon-like fixture', () => {
  test("lists exactly Archon's 16 tools by default, bare as Archon registers them (no annotations)", async () => {
    const s = await start('fixture');
    const { client } = await connect(s.url);
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), [...ARCHON_TOOLS].sort());
    assert.deepEqual(
      tools.filter((t) => t.annotations !== undefined).map((t) => t.name),
      [],
      "Archon's tools carry no annotations",
    );
    assert.equal(client.getServerVersion()?.name, 'archon-mcp-server', "Archon's FastMCP name");
    // Every tool answers a minimal call with Archon's `{"success":true,…}` shape.
    const minimal: Record<string, LooseJson> = {
      rag_search_knowledge_base: { query: 'mcp' },
      rag_search_code_examples: { query: 'mcp' },
      rag_list_pages_for_source: { source_id: 's' },
      manage_project: { action: 'create', title: 'p' },
      manage_task: { action: 'update', task_id: 't' },
      find_documents: { project_id: 'p' },
      manage_document: { action: 'delete', project_id: 'p', document_id: 'd' },
      find_versions: { project_id: 'p' },
      manage_version: { action: 'create', project_id: 'p', field_name: 'docs' },
      get_project_features: { project_id: 'p' },
    };
    for (const name of ARCHON_TOOLS) {
      const r = await client.callTool({ name, arguments: minimal[name] ?? {} });
      assert.equal(r.isError, undefined, `${name}: ${JSON.stringify(r.content)}`);
      assert.equal(resultJson(r).success, true, name);
    }
  });

  test('FIXTURE_ANNOTATED=1 marks the reads readOnlyHint (the annotation path), not the writes', async () => {
    const s = await start('fixture', { env: { FIXTURE_ANNOTATED: '1' } });
    const { client } = await connect(s.url);
    const { tools } = await client.listTools();
    assert.equal(tools.find((t) => t.name === 'find_tasks')?.annotations?.readOnlyHint, true);
    assert.equal(tools.find((t) => t.name === 'manage_task')?.annotations, undefined);
  });

  test("/health before and after the first session; after a restart the old session gets exactly Archon's 400", async () => {
    const s = await start('fixture');
    const before = await getJson(s.healthUrl!);
    assert.equal(before.status, 200);
    assert.equal(before.body.status, 'ready');
    assert.equal(before.body.message, 'MCP server is running (no active connections yet)');
    assert.equal(typeof before.body.uptime_seconds, 'number');
    assert.equal(typeof before.body.timestamp, 'string');

    const { client, transport } = await connect(s.url);
    const oldId = (transport as StreamableHTTPClientTransport).sessionId!;
    assert.match(oldId, /^[0-9a-f]{32}$/);
    await client.ping();
    const afterSession = await getJson(s.healthUrl!);
    assert.equal(afterSession.body.success, true);
    assert.equal(afterSession.body.health.status, 'healthy');
    assert.equal(afterSession.body.status, undefined);

    await new Promise((r) => setTimeout(r, 300)); // so the uptime drop below is visible
    const uptimeBefore = (await getJson(s.healthUrl!)).body.uptime_seconds as number;
    await s.restart();
    // As mcp 1.12.2 answers (recorded from the real server): an unknown session, 400 with no Content-Type.
    const stale = await rawPost(s.url, oldId);
    assert.equal(stale.status, 400);
    assert.equal(stale.contentType, '', 'no Content-Type header');
    assert.equal(stale.body, 'Bad Request: No valid session ID provided');
    // No session and not initialize: 400 JSON from the new session transport 1.12.2 makes, whose id it names.
    const missing = await rawPost(s.url);
    assert.deepEqual(
      [missing.status, missing.contentType, JSON.parse(missing.body)],
      [
        400,
        'application/json',
        { jsonrpc: '2.0', id: 'server-error', error: { code: -32600, message: 'Bad Request: Missing session ID' } },
      ],
    );
    assert.match(missing.sessionHeader ?? '', /^[0-9a-f]{32}$/);

    const fresh = await getJson(s.healthUrl!);
    assert.equal(fresh.body.status, 'ready', 'a restarted server has no sessions again');
    assert.ok(fresh.body.uptime_seconds < uptimeBefore, 'uptime drops across a restart');
    // That session is live on 1.12.2: an initialize naming it starts it (the v1 SDK's transport keeps the header).
    const adopted = await rawPost(s.url, missing.sessionHeader!, 'initialize', {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'raw', version: '1' },
    });
    assert.deepEqual([adopted.status, adopted.sessionHeader], [200, missing.sessionHeader]);

    // The old client is dead for good (the SDK does not heal); a new one gets a new session.
    await assert.rejects(client.ping(), (e: { code?: unknown }) => e.code === 400);
    const again = await connect(s.url);
    assert.notEqual((again.transport as StreamableHTTPClientTransport).sessionId, oldId);
    await again.client.ping();
  });

  test('raw session: initialize, standalone GET stream (one per session), DELETE', async () => {
    const s = await start('fixture');
    const headers = {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      'MCP-Protocol-Version': '2025-06-18',
    };
    const init = await fetch(s.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      }),
    });
    assert.equal(init.status, 200);
    await init.text();
    const id = init.headers.get('mcp-session-id')!;
    const withId = { ...headers, 'Mcp-Session-Id': id };
    const abort = new AbortController();
    const get = await fetch(s.url, { headers: withId, signal: abort.signal });
    assert.deepEqual([get.status, get.headers.get('content-type')], [200, 'text/event-stream']);
    assert.equal(
      (await fetch(s.url, { headers: withId })).status,
      409,
      'the SDK allows one standalone stream per session',
    );
    abort.abort();
    assert.equal((await fetch(s.url, { method: 'DELETE', headers: withId })).status, 200);
    const r = await rawPost(s.url, id);
    assert.deepEqual([r.status, r.body], [400, 'Bad Request: No valid session ID provided']);
  });

  test('UNKNOWN_SESSION_STATUS=404 answers like newer Python SDKs', async () => {
    const s = await start('fixture', { unknownSessionStatus: 404 });
    const r = await rawPost(s.url, 'deadbeef');
    assert.equal(r.status, 404);
    assert.match(r.contentType, /^application\/json/);
    assert.deepEqual(JSON.parse(r.body), {
      jsonrpc: '2.0',
      id: 'server-error',
      error: { code: -32600, message: 'Session not found' },
    });
  });

  test('SESSIONLESS: no session id issued, any session header ignored', async () => {
    const s = await start('fixture', { sessionless: true });
    const { client, transport } = await connect(s.url);
    assert.equal((transport as StreamableHTTPClientTransport).sessionId, undefined);
    assert.equal((await client.listTools()).tools.length, 16);
    await s.restart();
    await client.ping(); // nothing to lose across a restart
    const r = await rawPost(s.url, 'made-up-session');
    assert.equal(r.status, 200);
    assert.equal(r.sessionHeader, null);
  });
});

describe('fixture test tools', () => {
  const dir = mkdtempSync(join(tmpdir(), 'archon-fixture-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('execution counts survive restarts and crashes (FIXTURE_STATE_FILE)', async () => {
    const s = await start('fixture', { testTools: true, stateFile: join(dir, 'executions.jsonl') });
    const { client } = await connect(s.url);
    assert.equal((await client.listTools()).tools.length, 16 + 10);
    assert.equal(resultJson(await client.callTool({ name: 'test_write', arguments: { key: 'a' } })).executions, 1);
    await client.callTool({ name: 'test_read', arguments: {} });

    // Recorded, then the process dies before answering: the caller sees an error, the count stays 1 per call.
    assert.equal((await callThatKills(client, s, 'test_write', { key: 'b', crashBeforeReply: true })).code, 1);
    await s.restart();

    const counts = (await getJson(`http://127.0.0.1:${s.port}/test/executions`)).body;
    assert.deepEqual(counts.tools, { test_write: 2, test_read: 1 });
    assert.deepEqual(counts.keys, { test_write: { a: 1, b: 1 } });
    const again = await connect(s.url);
    assert.equal(
      resultJson(await again.client.callTool({ name: 'test_write', arguments: { key: 'a' } })).executions,
      2,
    );
  });

  test('test_crash exits with the given code without answering', async () => {
    const s = await start('fixture', { testTools: true });
    const { client } = await connect(s.url);
    const t0 = Date.now();
    assert.equal((await callThatKills(client, s, 'test_crash', { exitCode: 3, delayMs: 200 })).code, 3);
    assert.ok(Date.now() - t0 >= 190, 'exits after delayMs');
  });

  test('progress notifications arrive between steps', async () => {
    const s = await start('fixture', { testTools: true });
    const { client } = await connect(s.url);
    const seen: { progress: number; at: number }[] = [];
    const r = await client.callTool({ name: 'test_progress', arguments: { steps: 3, intervalMs: 150 } }, undefined, {
      onprogress: (p) => seen.push({ progress: p.progress, at: Date.now() }),
    });
    assert.deepEqual(
      seen.map((p) => p.progress),
      [1, 2, 3],
    );
    // Streamed, not buffered: the first notification reached the client while the server still had two
    // steps (300 ms) to go. (Receipt of the last one may trail the server's result stamp under load.)
    assert.ok(seen[0].at < resultJson(r).sentAt, 'the first notification arrived before the server finished');
  });

  test('sampling and elicitation round trips; /health 503 on demand', async () => {
    const s = await start('fixture', { testTools: true });
    const { client } = await connect(s.url);
    client.setRequestHandler(CreateMessageRequestSchema, async (req) => ({
      role: 'assistant',
      model: 'test-model',
      content: { type: 'text', text: `echo: ${(req.params.messages[0].content as { text: string }).text}` },
    }));
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { name: 'Ada' } }));
    const sampled = resultJson(await client.callTool({ name: 'test_sample', arguments: { prompt: 'hi' } }));
    assert.deepEqual(sampled, { model: 'test-model', text: 'echo: hi' });
    const elicited = resultJson(await client.callTool({ name: 'test_elicit', arguments: {} }));
    assert.deepEqual(elicited, { action: 'accept', content: { name: 'Ada' } });

    await client.callTool({ name: 'test_set_health', arguments: { healthy: false } });
    assert.equal((await fetch(s.healthUrl!)).status, 503);
    await client.callTool({ name: 'test_set_health', arguments: { healthy: true } });
    assert.equal((await fetch(s.healthUrl!)).status, 200);
  });

  test('test_allocate_memory holds real memory, test_free_memory lets it go', async () => {
    const s = await start('fixture', { testTools: true });
    const { client } = await connect(s.url);
    const held = resultJson(await client.callTool({ name: 'test_allocate_memory', arguments: { mb: 64 } }));
    assert.equal(held.heldMb, 64);
    assert.ok(held.rssMb >= 64, `rss ${held.rssMb} MB should include the 64 MB`);
    assert.equal(resultJson(await client.callTool({ name: 'test_free_memory', arguments: {} })).heldMb, 0);
  });
});

describe('third-party servers through the helpers', () => {
  // Each: connect and ping, then restart on the same port and pin down how the old session is refused
  // (note the `; charset=utf-8` and that only the SDK example includes `"id":null`).
  const refusals = [
    [
      'everything-streamable',
      400,
      { jsonrpc: '2.0', error: { code: -32000, message: 'Bad Request: No valid session ID provided' } },
    ],
    ['sdk-example', 404, { jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }],
  ] as const;
  for (const [kind, status, body] of refusals) {
    test(`${kind}: ping, then the old session after a restart gets ${status}`, async () => {
      const s = await start(kind);
      const { client, transport } = await connect(s.url);
      await client.ping();
      const oldId = (transport as StreamableHTTPClientTransport).sessionId!;
      const oldPid = s.pid;
      await s.restart();
      assert.notEqual(s.pid, oldPid);
      const r = await rawPost(s.url, oldId);
      assert.equal(r.status, status, r.body);
      assert.equal(r.contentType, 'application/json; charset=utf-8');
      assert.deepEqual(JSON.parse(r.body), body);
    });
  }

  test('everything-sse: legacy HTTP+SSE client connects and pings', async () => {
    const s = await start('everything-sse');
    const { client } = await connect(s.url, true);
    await client.ping();
  });

  test('non-MCP servers: HTML 200 and garbage bodies', async () => {
    const html = await start('html');
    const h = await fetch(html.url, { method: 'POST', body: '{}' });
    assert.equal(h.status, 200);
    assert.match(h.headers.get('content-type') ?? '', /text\/html/);
    const garbage = await start('garbage');
    const g = await fetch(garbage.url, { method: 'POST', body: '{}' });
    assert.equal(g.headers.get('content-type'), 'application/json');
    await assert.rejects(g.json());
    // The SDK client refuses the broken initialize answer (it does not hang).
    await assert.rejects(
      new Client({ name: 't', version: '1' }).connect(new StreamableHTTPClientTransport(new URL(garbage.url))),
    );
  });
});
