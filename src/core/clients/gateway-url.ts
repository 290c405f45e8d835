// The gateway URL a client should use for a server: one constant, from the gateway's default port.
import { GATEWAY_DEFAULTS, slugify } from '../gateway';
import type { WatchedServer } from './entries';

export function defaultGatewayUrl(serverName: string, port: number = GATEWAY_DEFAULTS.port): string {
  return `http://127.0.0.1:${port}/${slugify(serverName)}/mcp`;
}

/** A watched server; the first gateway URL is the one routed entries get. */
export function watchedServer(name: string, url: string, gatewayUrls: string[] = []): WatchedServer {
  const all = gatewayUrls.length ? gatewayUrls : [defaultGatewayUrl(name)];
  if (!all.includes(defaultGatewayUrl(name))) all.push(defaultGatewayUrl(name));
  return { name, url, gatewayUrls: all };
}
