// v2 clients (the split SDK packages) for the modern-front tests: pinned to 2026-07-28, or 'auto'.
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  Client,
  PROTOCOL_VERSION_META_KEY,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import { request, type IncomingHttpHeaders } from 'node:http';

/** The `_meta` envelope of a hand-made 2026-07-28 request (raw HTTP tests). */
export const RAW_MODERN_ENVELOPE = {
  [PROTOCOL_VERSION_META_KEY]: '2026-07-28',
  [CLIENT_INFO_META_KEY]: { name: 'raw-modern', version: '1.0.0' },
  [CLIENT_CAPABILITIES_META_KEY]: {},
};

export type Negotiation = 'pinned' | 'auto';

export interface ModernConnected {
  client: Client;
  close(): Promise<void>;
}

export async function connectModern(url: string, how: Negotiation, name = `modern-${how}`): Promise<ModernConnected> {
  const transport = new StreamableHTTPClientTransport(new URL(url));
  const client = new Client(
    { name, version: '2.0.0' },
    {
      capabilities: {},
      versionNegotiation: { mode: how === 'pinned' ? { pin: '2026-07-28' } : 'auto' },
    },
  );
  client.onerror = () => undefined;
  await client.connect(transport);
  return { client, close: () => client.close().catch(() => undefined) };
}

/** One raw POST to the gateway (MCP's content type and Accept): the status, the whole body and the headers. */
export function rawPost(
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; body: string; headers: IncomingHttpHeaders }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
