// The upstream's protocol era, and how a request is sent to a 2026-07-28 upstream: no session, no
// initialize; every request carries the `_meta` envelope and the standard headers (MCP-Protocol-Version,
// Mcp-Method, Mcp-Name). The envelope keys are the SDK's public constants; the header names and the
// Mcp-Name table are internal to the SDK (docs/sdk-v2-gaps.md, gap 4), so they are mirrored here.
import type { JSONRPCRequest } from '@modelcontextprotocol/server';
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  LATEST_PROTOCOL_VERSION,
  PROTOCOL_VERSION_META_KEY,
  SERVER_INFO_META_KEY,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/client';
import { supportedVersionsOfRefusal } from '../classify';
import { MODERN_ERA } from '../connection';
export { encodeHeaderValue, modernHeaders } from './era-headers';
import type { ProtocolEra } from '../types';

export { MODERN_ERA };

/** What the gateway knows of one upstream's era (one per endpoint, shared by all its sessions). */
export class UpstreamEra {
  /** Undefined until the upstream answered in a way that tells (a fresh gateway tries 2025 first). */
  current: ProtocolEra | undefined;

  get modern(): boolean {
    return this.current === MODERN_ERA;
  }
}

/** True when an HTTP refusal is a -32022 that lists 2026-07-28: the upstream speaks the modern era. */
export function refusalNamesModern(body: string): boolean {
  return supportedVersionsOfRefusal(body)?.includes(MODERN_ERA) === true;
}

/**
 * `req` with the 2026-07-28 envelope in `params._meta`: the protocol version, and the client's own info
 * and capabilities from its initialize. Other `_meta` keys (a progress token) stay.
 */
export function withEnvelope(req: JSONRPCRequest, initParams: Record<string, unknown> | undefined): JSONRPCRequest {
  const params = (req.params ?? {}) as Record<string, unknown> & { _meta?: Record<string, unknown> };
  const clientInfo = (initParams?.clientInfo as Record<string, unknown> | undefined) ?? { name: 'archon-mcp-doctor-gateway', version: '0' };
  const capabilities = (initParams?.capabilities as Record<string, unknown> | undefined) ?? {};
  const _meta = {
    [CLIENT_INFO_META_KEY]: clientInfo,
    [CLIENT_CAPABILITIES_META_KEY]: capabilities,
    ...params._meta,
    [PROTOCOL_VERSION_META_KEY]: MODERN_ERA,
  };
  return { ...req, params: { ...params, _meta } };
}

/** What a 2026-07-28 server says of itself in its server/discover result. */
export interface Discovered {
  serverInfo: { name: string; version: string };
  capabilities: Record<string, unknown>;
  instructions?: string;
}

/** Reads a server/discover result; undefined when it is not one. */
export function readDiscover(result: unknown, fallbackName: string): Discovered | undefined {
  const r = result as { supportedVersions?: unknown; capabilities?: unknown; instructions?: unknown; _meta?: Record<string, unknown> } | undefined;
  if (!r || typeof r !== 'object' || !Array.isArray(r.supportedVersions)) return undefined;
  const info = r._meta?.[SERVER_INFO_META_KEY] as { name?: unknown; version?: unknown } | undefined;
  return {
    serverInfo: {
      name: typeof info?.name === 'string' ? info.name : fallbackName,
      version: typeof info?.version === 'string' ? info.version : '0',
    },
    capabilities: r.capabilities && typeof r.capabilities === 'object' ? (r.capabilities as Record<string, unknown>) : {},
    instructions: typeof r.instructions === 'string' ? r.instructions : undefined,
  };
}

/**
 * The gateway's answer to a 2025 client's initialize in front of a 2026-07-28 upstream: the upstream's
 * discover result, in the revision the client asked for when the gateway speaks it.
 */
export function initializeResultFrom(d: Discovered, requested: unknown): Record<string, unknown> {
  const protocolVersion = typeof requested === 'string' && SUPPORTED_PROTOCOL_VERSIONS.includes(requested) ? requested : LATEST_PROTOCOL_VERSION;
  return {
    protocolVersion,
    capabilities: d.capabilities,
    serverInfo: d.serverInfo,
    ...(d.instructions !== undefined ? { instructions: d.instructions } : {}),
  };
}
