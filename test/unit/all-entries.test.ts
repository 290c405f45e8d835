// The Clients section's listing: every entry of every file (HTTP, SSE, stdio), each protected (gateway or
// supervisor, maybe through a Claude Code local-scope override), direct, or direct in a shared file.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  allEntries,
  parseConfig,
  serverEntries,
  unprotected,
  watchedServer,
  type ConfigLocation,
} from '../../src/core/clients';
import { entriesIn } from '../../src/core/clients/read';

const archon = watchedServer('Archon', 'http://localhost:8051/mcp');
const read = (location: ConfigLocation, text: string) => {
  const parsed = parseConfig(location, text);
  assert.ok('value' in parsed);
  return { location, text, hash: 'h', entries: entriesIn(location, parsed.value, [archon]) };
};
const ws = '/home/u/proj';
const claudeUser: ConfigLocation = {
  client: 'claude-code',
  file: '/home/u/.claude.json',
  format: 'json',
  scope: 'user',
  shared: false,
};
const mcpJson: ConfigLocation = {
  client: 'claude-code',
  file: `${ws}/.mcp.json`,
  format: 'json',
  scope: 'workspace',
  shared: true,
  workspace: ws,
};
const vscodeShared: ConfigLocation = {
  client: 'vscode',
  file: `${ws}/.vscode/mcp.json`,
  format: 'jsonc',
  scope: 'workspace',
  shared: true,
  workspace: ws,
};
const cursor: ConfigLocation = {
  client: 'cursor',
  file: '/home/u/.cursor/mcp.json',
  format: 'json',
  scope: 'user',
  shared: false,
};
const CLI = '/home/u/.local/state/archon-mcp-doctor/bin/archon-mcp-doctor';

const scan = {
  files: [
    read(
      claudeUser,
      JSON.stringify({
        mcpServers: {
          archon: { type: 'http', url: 'http://localhost:8051/mcp' },
          memory: { command: CLI, args: ['stdio', '--', 'node', '/srv/memory.js'] },
          kb: { type: 'http', url: 'http://127.0.0.1:18051/kb/mcp' },
          playwright: { command: 'npx', args: ['@playwright/mcp@latest', '--token=s3cret'] },
        },
        projects: { [ws]: { mcpServers: { team: { command: CLI, args: ['stdio', '--', 'uvx', 'team-server'] } } } },
      }),
    ),
    read(
      mcpJson,
      JSON.stringify({
        mcpServers: {
          team: { command: 'uvx', args: ['team-server'] },
          docs: { type: 'http', url: 'https://docs.example.com/mcp' },
        },
      }),
    ),
    read(vscodeShared, '{ "servers": { "archon": { "type": "http", "url": "http://localhost:8051/mcp" } } }'),
    read(cursor, JSON.stringify({ mcpServers: { old: { url: 'http://localhost:9000/sse' } } })),
  ],
  errors: [],
};

test('every entry of every file is listed with its transport, protection and state', () => {
  const rows = allEntries(scan).map(
    (v) =>
      `${v.client} ${v.scope} ${v.name}: ${v.transport} ${v.protection} ${v.state}${v.overriddenBy ? ` (override ${v.overriddenBy.protection})` : ''}`,
  );
  assert.deepEqual(rows, [
    'claude-code user archon: http direct direct',
    'claude-code user memory: stdio supervisor protected',
    'claude-code user kb: http gateway protected',
    'claude-code user playwright: stdio direct direct',
    'claude-code project team: stdio supervisor protected',
    'claude-code workspace team: stdio direct protected (override supervisor)',
    'claude-code workspace docs: http direct shared',
    'vscode workspace archon: http direct shared',
    'cursor user old: sse direct direct',
  ]);
  assert.equal(unprotected(allEntries(scan)).length, 5);
});

test("for the watched server's entries it agrees with the watched listing", () => {
  const watched = new Map(serverEntries(scan).map((v) => [`${v.file}#${v.name}`, v.state]));
  const all = allEntries(scan).filter((v) => watched.has(`${v.file}#${v.name}`));
  assert.equal(all.length, watched.size);
  for (const v of all) assert.equal(v.state, watched.get(`${v.file}#${v.name}`), v.name);
});
