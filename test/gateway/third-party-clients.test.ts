// Real MCP client libraries from npm (not the official SDK's own Client) each hold ONE session through
// the gateway while the Archon-like fixture is killed and started again three times: every call is
// answered, the client never has to initialize again and sends the same Mcp-Session-Id throughout, and
// no write runs twice. What each client sends is seen through a recording fetch (ai-sdk, OpenAI
// Agents take one as an option; mcp-client uses the global fetch, which is wrapped for its test).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Gateway } from '../../src/core/gateway';
import type { RunningServer } from '../helpers/servers';
import { executions, textOf } from './util';
import { serverAndGateway, stopBed } from './bed';

const RESTARTS = 3;

/** What a client sent to the gateway: the session header of each request and its JSON-RPC methods. */
class FetchRecorder {
  readonly sessionIds = new Set<string>();
  readonly methods: string[] = [];
  constructor(private readonly gatewayOrigin: string) {}

  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url.startsWith(this.gatewayOrigin)) this.note(input, init);
    return realFetch(input, init);
  };

  private note(input: string | URL | Request, init?: RequestInit): void {
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    const id = headers.get('mcp-session-id');
    if (id) this.sessionIds.add(id);
    if (typeof init?.body !== 'string') return;
    try {
      const body = JSON.parse(init.body) as { method?: string } | { method?: string }[];
      for (const m of Array.isArray(body) ? body : [body]) if (m.method) this.methods.push(m.method);
    } catch {
      this.methods.push('(not JSON)');
    }
  }

  count(method: string): number {
    return this.methods.filter((m) => m === method).length;
  }
}

const realFetch = globalThis.fetch;

interface ThirdPartyClient {
  /** Calls a tool; resolves with the first text content. */
  call(name: string, args: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

interface Library {
  pkg: string;
  /** How it speaks HTTP: its own transport, or a wrapper around an official SDK transport. */
  http: string;
  /** The era it negotiates with the gateway: 'modern' (2026-07-28, no sessions) when its client probes server/discover. */
  era: 'legacy' | 'modern';
  connect(url: string, rec: FetchRecorder): Promise<ThirdPartyClient>;
}

const libraries: Library[] = [
  {
    pkg: '@ai-sdk/mcp',
    http: 'own Streamable HTTP transport (no MCP SDK dependency)',
    era: 'legacy',
    async connect(url, rec) {
      const { createMCPClient } = await import('@ai-sdk/mcp');
      const client = await createMCPClient({
        transport: { type: 'http', url, fetch: rec.fetch },
        clientName: 'ai-sdk-test',
      });
      const tools = await client.tools();
      return {
        async call(name, args) {
          const tool = tools[name];
          assert.ok(tool?.execute, `ai-sdk lists tool ${name}`);
          return textOf(await tool.execute(args, { toolCallId: `call-${name}`, messages: [] }));
        },
        close: () => client.close(),
      };
    },
  },
  {
    pkg: '@openai/agents-core',
    http: 'wraps the official v2 client (@modelcontextprotocol/client)',
    era: 'modern', // its v2 client negotiates ('auto'): the gateway's modern front answers server/discover
    async connect(url, rec) {
      const { MCPServerStreamableHttp } = await import('@openai/agents-core');
      const server = new MCPServerStreamableHttp({
        url,
        name: 'openai-agents-test',
        fetch: rec.fetch,
        cacheToolsList: false,
      });
      await server.connect();
      await server.listTools();
      return {
        async call(name, args) {
          const content = await server.callTool(name, args);
          const first = content[0] as { type?: string; text?: string } | undefined;
          return first?.type === 'text' ? String(first.text) : '';
        },
        close: () => server.close(),
      };
    },
  },
  {
    pkg: 'mcp-client',
    http: 'wraps the official v1 SDK transport (global fetch)',
    era: 'legacy',
    async connect(url, rec) {
      const { MCPClient } = await import('mcp-client');
      globalThis.fetch = rec.fetch as typeof fetch;
      const client = new MCPClient({ name: 'mcp-client-test', version: '1.0.0' });
      await client.connect({ type: 'httpStream', url });
      await client.getAllTools();
      return {
        async call(name, args) {
          return textOf(await client.callTool({ name, arguments: args }));
        },
        async close() {
          await client.close();
          globalThis.fetch = realFetch;
        },
      };
    },
  },
];

describe('third-party MCP clients keep one session through the gateway across fixture restarts', () => {
  let fx: RunningServer;
  let gw: Gateway;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gw-3p-'));
    ({ server: fx, gw } = await serverAndGateway(
      'fixture',
      { testTools: true, stateFile: join(dir, 'executions.jsonl') },
      { holdTimeoutMs: 60_000 },
    )); // generous: a loaded machine starts the fixture slowly
  });
  after(async () => {
    globalThis.fetch = realFetch;
    await stopBed({ gw, server: fx });
    rmSync(dir, { recursive: true, force: true });
  });

  for (const lib of libraries) {
    it(`${lib.pkg} (${lib.http})`, async () => {
      const rec = new FetchRecorder(new URL(gw.url()).origin);
      const client = await lib.connect(gw.url(), rec);
      const keys: string[] = [];
      try {
        for (let r = 1; r <= RESTARTS; r++) {
          const before = `${lib.pkg}-${r}-before`;
          assert.match(await client.call('test_write', { key: before }), /"executions":1/, `write ${before}`);
          keys.push(before);
          // A read sent while the server is down is held by the gateway and answered once it is back.
          await fx.kill();
          const held = client.call('test_read', {});
          const restarted = fx.restart({ delayMs: 200 });
          assert.match(await held, /executions/, `read held across restart ${r}`);
          await restarted;
          const afterKey = `${lib.pkg}-${r}-after`;
          assert.match(await client.call('test_write', { key: afterKey }), /"executions":1/, `write ${afterKey}`);
          keys.push(afterKey);
        }
      } finally {
        await client.close().catch(() => undefined);
      }
      if (lib.era === 'modern') {
        // 2026-07-28: no handshake and no session at all, whatever the restarts.
        assert.ok(rec.count('server/discover') >= 1, `discovered (methods: ${rec.methods.slice(0, 5).join(', ')})`);
        assert.equal(rec.count('initialize'), 0, 'no initialize from a modern client');
        assert.equal(rec.sessionIds.size, 0, 'no session id sent');
      } else {
        assert.equal(rec.count('initialize'), 1, `one initialize from the client (methods: ${rec.methods.join(', ')})`);
        assert.equal(
          rec.sessionIds.size,
          1,
          `one session id sent: ${[...rec.sessionIds].map((s) => s.slice(0, 8)).join(', ')}`,
        );
      }
      assert.ok(
        rec.count('tools/call') >= RESTARTS * 3,
        `all calls went through the gateway (${rec.count('tools/call')})`,
      );
      const counts = await executions(fx.url);
      for (const key of keys) assert.equal(counts.keys.test_write?.[key], 1, `write ${key} ran once`);
    });
  }
});
