// v2 clients (the split SDK packages) for the modern-front tests: pinned to 2026-07-28, or 'auto'.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

export type Negotiation = 'pinned' | 'auto';

export interface ModernConnected {
  client: Client;
  close(): Promise<void>;
}

export async function connectModern(url: string, how: Negotiation, name = `modern-${how}`): Promise<ModernConnected> {
  const transport = new StreamableHTTPClientTransport(new URL(url));
  const client = new Client({ name, version: '2.0.0' }, {
    capabilities: {},
    versionNegotiation: { mode: how === 'pinned' ? { pin: '2026-07-28' } : 'auto' },
  });
  client.onerror = () => undefined;
  await client.connect(transport);
  return { client, close: () => client.close().catch(() => undefined) };
}
