// Shared bits for the gateway tests: SDK clients, a capturing logger, the fixture's execution counts.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { GatewayLogger } from '../../src/core/gateway';

export { sleep } from '../helpers/wait';

export interface Connected {
  client: Client;
  transport: StreamableHTTPClientTransport;
  close(): Promise<void>;
}

export async function connectClient(
  url: string,
  opts: {
    name?: string;
    capabilities?: Record<string, unknown>;
    headers?: Record<string, string>;
    sessionId?: string;
  } = {},
): Promise<Connected> {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: opts.headers ? { headers: opts.headers } : undefined,
    sessionId: opts.sessionId,
    reconnectionOptions: {
      initialReconnectionDelay: 200,
      maxReconnectionDelay: 1000,
      reconnectionDelayGrowFactor: 1.5,
      maxRetries: 1000,
    },
  });
  const client = new Client(
    { name: opts.name ?? 'gateway-test', version: '1.2.3' },
    { capabilities: opts.capabilities ?? {} },
  );
  client.onerror = () => undefined;
  await client.connect(transport);
  return { client, transport, close: () => client.close().catch(() => undefined) };
}

export function textOf(result: unknown): string {
  const r = CallToolResultSchema.parse(result) as CallToolResult;
  const first = r.content[0];
  return first && first.type === 'text' ? first.text : '';
}

export interface Executions {
  total: number;
  tools: Record<string, number>;
  keys: Record<string, Record<string, number>>;
  /** Sessions the fixture's current process created (successful upstream initializes). */
  initializes: number;
  /** Resource subscriptions the fixture holds now (Archon-like: per session; modern: per open listen stream). */
  subscriptions?: number;
}

export async function executions(fixtureUrl: string): Promise<Executions> {
  const u = new URL(fixtureUrl);
  const res = await fetch(`${u.origin}/test/executions`);
  return (await res.json()) as Executions;
}

export class CapturingLogger implements GatewayLogger {
  readonly lines: string[] = [];
  info(m: string): void {
    this.lines.push(`info ${m}`);
  }
  warn(m: string): void {
    this.lines.push(`warn ${m}`);
  }
  error(m: string): void {
    this.lines.push(`error ${m}`);
  }
  get text(): string {
    return this.lines.join('\n');
  }
}
