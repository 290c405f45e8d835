// The upstream's protocol era (and the codec that speaks it, era-codec.ts), and what a 2026-07-28
// upstream says of itself: its -32022 refusals and server/discover result, turned into the initialize
// answer a 2025 client expects. The header names and the Mcp-Name table are internal to the SDK
// (docs/sdk-v2-gaps.md, gap 4), so era-headers.ts mirrors them.
import {
  LATEST_PROTOCOL_VERSION,
  SERVER_INFO_META_KEY,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/client';
import { supportedVersionsOfRefusal } from '../classify';
import { fieldOf, isRecord } from '../narrow';
import { MODERN_ERA } from '../mcp-connection';
import { codecFor, type EraCodec } from './era-codec';
export { encodeHeaderValue, modernHeaders } from './era-headers';
export { withEnvelope, type EraCodec } from './era-codec';
import type { ProtocolEra } from '../server-state';

export { MODERN_ERA };

/** What the gateway knows of one upstream's era (one per endpoint, shared by all its sessions). */
export class UpstreamEra {
  private known: ProtocolEra | undefined;
  private chosen: EraCodec = codecFor(undefined);

  /** Undefined until the upstream answered in a way that tells (a fresh gateway tries 2025 first). */
  get current(): ProtocolEra | undefined {
    return this.known;
  }

  set current(era: ProtocolEra | undefined) {
    this.known = era;
    this.chosen = codecFor(era);
  }

  /** How to speak to the upstream in its era, chosen when the era is learnt. */
  get codec(): EraCodec {
    return this.chosen;
  }
}

/** True when an HTTP refusal is a -32022 that lists 2026-07-28: the upstream speaks the modern era. */
export function refusalNamesModern(body: string): boolean {
  return supportedVersionsOfRefusal(body)?.includes(MODERN_ERA) === true;
}

/** What a 2026-07-28 server says of itself in its server/discover result. */
export interface Discovered {
  serverInfo: { name: string; version: string };
  capabilities: Record<string, unknown>;
  instructions?: string;
}

/** Reads a server/discover result; undefined when it is not one. */
export function readDiscover(result: unknown, fallbackName: string): Discovered | undefined {
  if (!isRecord(result) || !Array.isArray(result.supportedVersions)) return undefined;
  const info = fieldOf(result._meta, SERVER_INFO_META_KEY);
  const name = fieldOf(info, 'name');
  const version = fieldOf(info, 'version');
  return {
    serverInfo: {
      name: typeof name === 'string' ? name : fallbackName,
      version: typeof version === 'string' ? version : '0',
    },
    capabilities: isRecord(result.capabilities) ? result.capabilities : {},
    instructions: typeof result.instructions === 'string' ? result.instructions : undefined,
  };
}

/**
 * The gateway's answer to a 2025 client's initialize in front of a 2026-07-28 upstream: the upstream's
 * discover result, in the revision the client asked for when the gateway speaks it.
 */
export function initializeResultFrom(d: Discovered, requested: unknown): Record<string, unknown> {
  const protocolVersion =
    typeof requested === 'string' && SUPPORTED_PROTOCOL_VERSIONS.includes(requested)
      ? requested
      : LATEST_PROTOCOL_VERSION;
  return {
    protocolVersion,
    capabilities: d.capabilities,
    serverInfo: d.serverInfo,
    ...(d.instructions !== undefined ? { instructions: d.instructions } : {}),
  };
}
