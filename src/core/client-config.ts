// Configuration snippets that point an AI client at the healing gateway instead of the server: each
// client's own from its descriptor (src/core/clients/descriptors), plus the bare URL for any other client.
import { CLIENTS, type ClientId } from './clients';
import { slugify } from './gateway';

export type ClientKind = ClientId | 'url';
export const CLIENT_KINDS: readonly ClientKind[] = [...CLIENTS.map((c) => c.id), 'url'];

export const CLIENT_LABELS = Object.fromEntries([
  ...CLIENTS.map((c) => [c.id, { label: c.label, detail: c.snippet.detail }]),
  ['url', { label: 'Just the URL', detail: 'for any client that speaks Streamable HTTP' }],
]) as Record<ClientKind, { label: string; detail: string }>;

export function clientConfig(kind: ClientKind, serverName: string, url: string): string {
  // The same slug the gateway serves the server under: lower case letters, digits and dashes.
  if (kind === 'url') return url;
  return CLIENTS.find((c) => c.id === kind)!.snippet.text(slugify(serverName), url);
}
