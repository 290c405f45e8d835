// The standard headers of a 2026-07-28 request (MCP-Protocol-Version, Mcp-Method, Mcp-Name), apart
// from era.ts: no SDK import, so the lazily loaded modern front can use it without pulling in the client.
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { fieldOf } from '../narrow';

const MODERN = '2026-07-28';

/**
 * The body field Mcp-Name mirrors, per method (SEP-2243; the SDK's internal MCP_NAME_HEADER_SOURCE).
 * The modern server rejects a tools/call without it (-32020).
 */
const MCP_NAME_SOURCE: Readonly<Record<string, string>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  'tasks/get': 'taskId',
  'tasks/update': 'taskId',
  'tasks/cancel': 'taskId',
};

/** An HTTP field value as the spec encodes it: plain printable ASCII as is, anything else base64 in a sentinel (the SDK's encodeMcpParamValue). */
export function encodeHeaderValue(value: string): string {
  let plain = value.length > 0 && value === value.trim() && !(value.startsWith('=?base64?') && value.endsWith('?='));
  for (let i = 0; plain && i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (!(c === 9 || (c >= 32 && c <= 126))) plain = false;
  }
  return plain ? value : `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/** The standard headers a 2026-07-28 server requires on a request (notifications need only the version). */
export function modernHeaders(message: JSONRPCMessage | undefined): Record<string, string> {
  const h: Record<string, string> = { 'mcp-protocol-version': MODERN };
  if (!message || !('method' in message) || !('id' in message)) return h;
  h['mcp-method'] = message.method;
  const field = Object.hasOwn(MCP_NAME_SOURCE, message.method) ? MCP_NAME_SOURCE[message.method] : undefined;
  const value = field ? fieldOf(message.params, field) : undefined;
  if (typeof value === 'string') h['mcp-name'] = encodeHeaderValue(value);
  return h;
}
