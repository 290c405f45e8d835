// v2 clients (the split SDK packages) for the modern-front tests: pinned to 2026-07-28, or 'auto'.
import { CLIENT_CAPABILITIES_META_KEY, CLIENT_INFO_META_KEY, Client, PROTOCOL_VERSION_META_KEY, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

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
  const client = new Client({ name, version: '2.0.0' }, {
    capabilities: {},
    versionNegotiation: { mode: how === 'pinned' ? { pin: '2026-07-28' } : 'auto' },
  });
  client.onerror = () => undefined;
  await client.connect(transport);
  return { client, close: () => client.close().catch(() => undefined) };
}
