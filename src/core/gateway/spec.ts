// The v2 MCP SDK in the gateway, in one place. Protocol helpers (guards, spec validators, constants)
// are the SDK core's, taken from @modelcontextprotocol/client, which the monitor bundles already; the
// server transports come from ./mcp-server-lib, loaded on first use (serverSdk). Types may come from
// @modelcontextprotocol/server: type imports cost nothing at run time.
export { asSpecType } from '../spec-type';

export {
  LATEST_PROTOCOL_VERSION,
  STDIO_DEFAULT_MAX_BUFFER_SIZE,
  SUPPORTED_PROTOCOL_VERSIONS,
  isInitializeRequest,
  isJsonContentType,
  isJSONRPCErrorResponse,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
} from '@modelcontextprotocol/client';

type ServerLib = typeof import('./mcp-server-lib');
let serverLib: ServerLib | undefined;

/** The SDK's server transports and their Node adapter (dist/mcp-server-lib.js in the extension). */
export function serverSdk(): ServerLib {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  serverLib ??= require('./mcp-server-lib') as ServerLib;
  return serverLib;
}
