// The v2 SDK's server side (its transports) and the Node adapter they run behind: bundled on their own
// as dist/mcp-server-lib.js beside the extension (see esbuild.mjs) and loaded by serverSdk() when the
// gateway first serves a client. @modelcontextprotocol/server carries its own copy of the SDK core
// (schemas, protocol), about 280 KB that the extension's monitor, which needs only the client, never runs.
export { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
export { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
export { getRequestListener } from '@hono/node-server';
