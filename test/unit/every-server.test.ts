// The pure parts of "every server protected": the shared server list file, the client descriptor table,
// why an entry cannot be protected, and the stable CLI launcher.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, test } from 'node:test';
import {
  CLIENT_IDS,
  CLIENTS,
  ServerListStore,
  clientLocations,
  httpProblem,
  launcherText,
  freeSlug,
  type ClientEntry,
} from '../../src/core/clients';
import { clientConfig, CLIENT_KINDS } from '../../src/core/client-config';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'archon-list-'));
  dirs.push(d);
  return d;
}

describe('the shared server list', () => {
  test('JSON with comments is read, and an added server keeps the comments', async () => {
    const dir = tmp();
    fs.writeFileSync(
      path.join(dir, 'servers.json'),
      '{\n  // mine\n  "servers": [\n    { "name": "Docs", "url": "http://localhost:9000/mcp", "slug": "docs-v1" }, // old slug kept\n  ],\n}\n',
    );
    const store = new ServerListStore(dir);
    assert.deepEqual((await store.load()).servers, [
      { name: 'Docs', slug: 'docs-v1', url: 'http://localhost:9000/mcp' },
    ]);
    const r = await store.upsert([
      { name: 'Docs', url: 'http://127.0.0.1:9000/mcp/' },
      { name: 'docs v1', url: 'http://localhost:9001/mcp', headers: { 'X-Api-Key': 'k' } },
    ]);
    assert.deepEqual(
      r.changed.map((c) => [c.change, c.server.slug]),
      [
        ['unchanged', 'docs-v1'],
        ['added', 'docs-v1-2'],
      ],
      'the same URL is the same server; a taken slug gets -2',
    );
    const text = fs.readFileSync(path.join(dir, 'servers.json'), 'utf8');
    assert.match(text, /\/\/ mine/);
    assert.match(text, /\/\/ old slug kept/);
    assert.equal(fs.statSync(path.join(dir, 'servers.json')).mode & 0o777, 0o600, 'headers may hold tokens');
    // A new URL for a name keeps the slug: client files point at it.
    const moved = await store.upsert([{ name: 'Docs', url: 'http://localhost:9100/mcp' }], { byName: true });
    assert.deepEqual(
      moved.changed.map((c) => [c.change, c.server.slug, c.server.url]),
      [['updated', 'docs-v1', 'http://localhost:9100/mcp']],
    );
    assert.equal((await store.remove('docs-v1-2')).removed?.name, 'docs v1');
    assert.deepEqual(
      (await store.load()).servers.map((s) => s.slug),
      ['docs-v1'],
    );
  });

  test('a damaged file is moved aside with its bytes and reported; entries that are not servers are skipped', async () => {
    const dir = tmp();
    const file = path.join(dir, 'servers.json');
    fs.writeFileSync(file, '{ "servers": [ { "name": "a", "url": "http://x/mcp" ');
    const store = new ServerListStore(dir);
    const r = await store.load();
    assert.deepEqual(r.servers, []);
    assert.match(
      r.problems[0],
      /is not valid JSON: \w+ at line 1, column \d+; moved aside to .*servers\.json\.damaged-/,
    );
    const aside = fs.readdirSync(dir).find((f) => f.startsWith('servers.json.damaged-'))!;
    assert.equal(
      fs.readFileSync(path.join(dir, aside), 'utf8'),
      '{ "servers": [ { "name": "a", "url": "http://x/mcp" ',
    );
    assert.ok(!fs.existsSync(file));
    fs.writeFileSync(
      file,
      JSON.stringify({
        servers: [
          { name: 'ok', url: 'http://h/mcp' },
          { name: 'bad', url: 'ftp://h' },
          { url: 'http://h/mcp' },
          { name: 'OK', url: 'http://i/mcp' },
        ],
      }),
    );
    const r2 = await store.load();
    assert.deepEqual(
      r2.servers.map((s) => s.slug),
      ['ok'],
    );
    assert.deepEqual(
      r2.problems.map((p) => p.replace(/^.*: server/, 'server')),
      [
        'server 2 ("bad") has no http(s) "url"; skipped',
        'server 3 has no "name"; skipped',
        'server 4 ("OK") uses the path /ok/mcp of an earlier one; skipped',
      ],
    );
    fs.writeFileSync(file, '{ "servers": {} }');
    assert.match((await store.load()).problems[0], /holds no "servers" list; moved aside/);
  });

  test("each server's repeat rules: read, validated, set by name without changing its slug, kept when an entry names none", async () => {
    const dir = tmp();
    const file = path.join(dir, 'servers.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        servers: [
          { name: 'Docs', url: 'http://h/mcp', repeatSafe: ['find_*'] },
          { name: 'Bad', url: 'http://i/mcp', neverRepeat: 'manage_*' },
        ],
      }),
    );
    const store = new ServerListStore(dir);
    const r = await store.load();
    assert.deepEqual(r.servers, [{ name: 'Docs', slug: 'docs', url: 'http://h/mcp', repeatSafe: ['find_*'] }]);
    assert.match(r.problems[0], /\("Bad"\) has a "neverRepeat" that is not a list of tool names or globs/);
    const set = await store.upsert(
      [{ name: 'Docs', url: 'http://h/mcp', repeatSafe: ['find_*', 'get_*'], neverRepeat: ['get_secret'] }],
      { byName: true },
    );
    assert.deepEqual(
      set.changed.map((c) => [c.change, c.server.slug, c.server.repeatSafe, c.server.neverRepeat]),
      [['updated', 'docs', ['find_*', 'get_*'], ['get_secret']]],
    );
    const routed = await store.upsert([{ name: 'Docs', url: 'http://h/mcp' }]);
    assert.deepEqual(
      routed.changed.map((c) => c.change),
      ['unchanged'],
      'routing the same server again leaves its rules',
    );
    assert.deepEqual((await store.load()).servers[0].repeatSafe, ['find_*', 'get_*']);
  });

  test('freeSlug', () => {
    assert.equal(freeSlug('Archon MCP', []), 'archon-mcp');
    assert.equal(freeSlug('Archon MCP', ['archon-mcp', 'archon-mcp-2']), 'archon-mcp-3');
  });
});

describe('client descriptors', () => {
  test('one descriptor per client id, each with its files, in the table order', () => {
    assert.deepEqual(
      CLIENTS.map((c) => c.id),
      [...CLIENT_IDS],
    );
    const locs = clientLocations({ platform: 'linux', home: '/h', env: {}, workspaces: ['/w'] });
    assert.deepEqual(
      locs.map((l) => `${l.client} ${l.scope} ${l.file}`),
      [
        'claude-code user /h/.claude.json',
        'cursor user /h/.cursor/mcp.json',
        'windsurf user /h/.codeium/windsurf/mcp_config.json',
        'vscode user /h/.config/Code/User/mcp.json',
        'vscode user /h/.config/Code - Insiders/User/mcp.json',
        'claude-desktop user /h/.config/Claude/claude_desktop_config.json',
        'codex user /h/.codex/config.toml',
        'claude-code workspace /w/.mcp.json',
        'cursor workspace /w/.cursor/mcp.json',
        'vscode workspace /w/.vscode/mcp.json',
      ],
    );
  });

  test('every client has a snippet, and the JSON ones parse', () => {
    assert.deepEqual(CLIENT_KINDS, [...CLIENT_IDS, 'url']);
    for (const k of CLIENT_KINDS) {
      const text = clientConfig(k, 'My Server', 'http://127.0.0.1:18051/my-server/mcp');
      assert.match(text, /http:\/\/127\.0\.0\.1:18051\/my-server\/mcp/);
      if (['cursor', 'windsurf', 'vscode', 'claude-desktop'].includes(k)) assert.ok(JSON.parse(text), k);
    }
    assert.equal(clientConfig('codex', 'My Server', 'http://u/mcp'), '[mcp_servers.my-server]\nurl = "http://u/mcp"');
  });
});

describe('why an HTTP entry stays direct', () => {
  const entry = (over: Partial<ClientEntry>): ClientEntry => ({
    client: 'vscode',
    file: '/f',
    scope: 'user',
    shared: false,
    name: 'n',
    path: ['servers', 'n'],
    target: 'other',
    transport: 'http',
    protection: 'direct',
    url: 'https://api.example.com/mcp',
    ...over,
  });
  const cases: [string, Partial<ClientEntry>, Record<string, unknown> | undefined, RegExp | undefined][] = [
    ['plain remote', {}, undefined, undefined],
    ['legacy SSE', { transport: 'sse' }, undefined, /legacy HTTP\+SSE/],
    [
      'VS Code input variable in a header',
      { headers: { Authorization: 'Bearer ${input:token}' } },
      undefined,
      /variables only the client fills in/,
    ],
    [
      'Codex token from the environment',
      { client: 'codex' },
      { bearer_token_env_var: 'GH_TOKEN' },
      /from \$GH_TOKEN, which the gateway does not see/,
    ],
    ['OAuth', {}, { oauth: { clientId: 'x' } }, /OAuth/],
    ['no URL', { url: 'not a url' }, undefined, /no http\(s\) URL/],
  ];
  for (const [name, over, raw, want] of cases) {
    test(name, () => {
      const got = httpProblem(entry(over), raw);
      if (want) assert.match(got ?? '', want);
      else assert.equal(got, undefined);
    });
  }
});

test('the launcher runs the copied bundle with an absolute node; Electron runs as node', () => {
  assert.equal(
    launcherText('linux', '/usr/bin/node', "/h/it's/archon-mcp-doctor.js").split('\n').at(-2),
    `exec '/usr/bin/node' '/h/it'\\''s/archon-mcp-doctor.js' "$@"`,
  );
  assert.match(
    launcherText('darwin', '/Applications/Visual Studio Code.app/Contents/MacOS/Electron', '/x.js'),
    /^ELECTRON_RUN_AS_NODE=1 exec '\/Applications\/Visual Studio Code\.app\/Contents\/MacOS\/Electron' '\/x\.js' "\$@"$/m,
  );
  assert.equal(
    launcherText('win32', 'C:\\node\\node.exe', 'C:\\s\\a.js'),
    '@echo off\r\n"C:\\node\\node.exe" "C:\\s\\a.js" %*\r\n',
  );
});
