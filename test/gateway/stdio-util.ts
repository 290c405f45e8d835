// Stdio MCP clients for the tests: the SDK's stdio client transport running `archon-mcp-doctor stdio`
// (the built bundle, dist/cli.js) or mcp-remote (npm) as a real child process.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const ROOT = join(__dirname, '..', '..');
export const CLI_BUNDLE = join(ROOT, 'dist', 'cli.js');
export const MCP_REMOTE = join(ROOT, 'node_modules', 'mcp-remote', 'dist', 'proxy.js');

export interface StdioConnected {
  client: Client;
  transport: StdioClientTransport;
  stderr(): string;
  close(): Promise<void>;
}

export function bridgeCommand(upstream: string, extra: string[] = []): { command: string; args: string[] } {
  return { command: process.execPath, args: [CLI_BUNDLE, 'stdio', '--upstream', upstream, ...extra] };
}

/** mcp-remote over plain HTTP to a loopback server, its auth config in a scratch dir. */
export function mcpRemoteCommand(upstream: string): { command: string; args: string[]; env: Record<string, string> } {
  return {
    command: process.execPath,
    args: [MCP_REMOTE, upstream, '--transport', 'http-only', '--allow-http'],
    env: { MCP_REMOTE_CONFIG_DIR: mkdtempSync(join(tmpdir(), 'mcp-remote-')) },
  };
}

export async function connectStdio(
  cmd: { command: string; args: string[]; env?: Record<string, string> },
  name = 'stdio-test',
): Promise<StdioConnected> {
  const transport = new StdioClientTransport({
    command: cmd.command,
    args: cmd.args,
    env: { ...(process.env as Record<string, string>), ...(cmd.env ?? {}) },
    stderr: 'pipe',
  });
  let err = '';
  transport.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-20_000);
  });
  const client = new Client({ name, version: '1.0.0' });
  client.onerror = () => undefined;
  await client.connect(transport);
  return { client, transport, stderr: () => err, close: () => client.close().catch(() => undefined) };
}
