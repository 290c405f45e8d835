// Client routing, pure parts and the safe writer: URL matching, locations per OS, parsing, plans, refusals.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, test } from 'node:test';
import {
  JournalStore,
  bridgeUpstream,
  classifyEntry,
  clientLocations,
  executeRoute,
  normalizeUrl,
  parseConfig,
  planRoute,
  sameUrl,
  scanLocations,
  stateDir,
  undoRouting,
  watchedServer,
  type ConfigLocation,
  type FileOps,
} from '../../src/core/clients';
import { editDiff, shownTarget } from '../../src/core/clients';
import { formattingOf } from '../../src/core/clients/plan';
import { entriesIn } from '../../src/core/clients/read';
import { serverEntries } from '../../src/core/clients/view';
import { nodeFileOps } from '../../src/core/clients/write';

const archon = watchedServer('Archon', 'http://localhost:8051/mcp');

describe('matching', () => {
  test('localhost, 127.0.0.1 and [::1] are one host; a trailing slash and default ports do not matter', () => {
    for (const u of ['http://127.0.0.1:8051/mcp', 'http://[::1]:8051/mcp/', 'HTTP://LOCALHOST:8051/mcp//'])
      assert.ok(sameUrl(u, 'http://localhost:8051/mcp'), u);
    assert.equal(normalizeUrl('http://example.com/'), 'http://example.com:80/');
    for (const u of [
      'http://localhost:8052/mcp',
      'https://localhost:8051/mcp',
      'http://localhost:8051/mcp/x',
      'http://10.0.0.2:8051/mcp',
      'not a url',
      'file:///mcp',
    ]) {
      assert.ok(!sameUrl(u, 'http://localhost:8051/mcp'), u);
    }
  });

  test('our stdio bridge is recognised directly, through npx and by a Windows path', () => {
    assert.equal(
      bridgeUpstream('archon-mcp-doctor', ['stdio', '--upstream', 'http://localhost:8051/mcp']),
      'http://localhost:8051/mcp',
    );
    assert.equal(
      bridgeUpstream('npx', ['-y', 'archon-mcp-doctor', 'stdio', '--upstream=http://localhost:8051/mcp']),
      'http://localhost:8051/mcp',
    );
    assert.equal(
      bridgeUpstream('C:\\Users\\dev\\AppData\\Roaming\\npm\\archon-mcp-doctor.cmd', [
        'stdio',
        '--upstream',
        'http://127.0.0.1:8051/mcp',
      ]),
      'http://127.0.0.1:8051/mcp',
    );
    assert.equal(bridgeUpstream('archon-mcp-doctor', ['proxy', '--upstream', 'http://localhost:8051/mcp']), undefined);
    assert.equal(bridgeUpstream('npx', ['mcp-remote', 'http://localhost:8051/mcp']), undefined);
  });

  test('entries are direct, through the gateway (URL or bridge) or other', () => {
    assert.deepEqual(classifyEntry({ url: 'http://127.0.0.1:8051/mcp/' }, [archon]), {
      target: 'direct',
      server: 'Archon',
    });
    assert.deepEqual(classifyEntry({ url: 'http://localhost:18051/archon/mcp' }, [archon]), {
      target: 'gateway',
      server: 'Archon',
    });
    assert.deepEqual(
      classifyEntry({ command: 'npx', args: ['-y', 'mcp-remote', 'http://localhost:8051/mcp'] }, [archon]),
      { target: 'direct', server: 'Archon', urlArg: 2 },
    );
    assert.deepEqual(
      classifyEntry({ command: 'archon-mcp-doctor', args: ['stdio', '--upstream', 'http://localhost:8051/mcp'] }, [
        archon,
      ]),
      { target: 'gateway', server: 'Archon' },
    );
    assert.deepEqual(classifyEntry({ url: 'https://mcp.example.com/mcp' }, [archon]), { target: 'other' });
    const moved = watchedServer('Archon', 'http://localhost:8051/mcp', ['http://127.0.0.1:18055/archon/mcp']);
    assert.equal(moved.gatewayUrls[0], 'http://127.0.0.1:18055/archon/mcp', 'the running gateway URL comes first');
    assert.equal(
      classifyEntry({ url: 'http://127.0.0.1:18051/archon/mcp' }, [moved]).target,
      'gateway',
      'the default URL still counts',
    );
  });
});

describe('locations', () => {
  const files = (platform: NodeJS.Platform, home: string, env: Record<string, string> = {}) =>
    Object.fromEntries(
      clientLocations({ platform, home, env, workspaces: [] })
        .filter((l) => !l.file.includes('Insiders'))
        .map((l) => [l.client, l.file]),
    );

  test('Linux honours XDG_CONFIG_HOME, CLAUDE_CONFIG_DIR and CODEX_HOME', () => {
    assert.deepEqual(files('linux', '/home/u'), {
      'claude-code': '/home/u/.claude.json',
      cursor: '/home/u/.cursor/mcp.json',
      windsurf: '/home/u/.codeium/windsurf/mcp_config.json',
      vscode: '/home/u/.config/Code/User/mcp.json',
      'claude-desktop': '/home/u/.config/Claude/claude_desktop_config.json',
      codex: '/home/u/.codex/config.toml',
    });
    const moved = files('linux', '/home/u', { XDG_CONFIG_HOME: '/cfg', CLAUDE_CONFIG_DIR: '/cc', CODEX_HOME: '/cx' });
    assert.equal(moved.vscode, '/cfg/Code/User/mcp.json');
    assert.equal(moved['claude-desktop'], '/cfg/Claude/claude_desktop_config.json');
    assert.equal(moved['claude-code'], '/cc/.claude.json');
    assert.equal(moved.codex, '/cx/config.toml');
    assert.equal(
      stateDir({ platform: 'linux', home: '/home/u', env: { XDG_STATE_HOME: '/st' } }),
      '/st/archon-mcp-doctor',
    );
  });

  test('macOS uses Application Support; Windows uses APPDATA and the profile folder', () => {
    const mac = files('darwin', '/Users/u');
    assert.equal(mac.vscode, '/Users/u/Library/Application Support/Code/User/mcp.json');
    assert.equal(mac['claude-desktop'], '/Users/u/Library/Application Support/Claude/claude_desktop_config.json');
    const win = files('win32', 'C:\\Users\\u', { APPDATA: 'D:\\Roaming' });
    assert.equal(win.vscode, 'D:\\Roaming\\Code\\User\\mcp.json');
    assert.equal(win['claude-desktop'], 'D:\\Roaming\\Claude\\claude_desktop_config.json');
    assert.equal(win.cursor, 'C:\\Users\\u\\.cursor\\mcp.json');
    assert.equal(win.windsurf, 'C:\\Users\\u\\.codeium\\windsurf\\mcp_config.json');
    assert.equal(files('win32', 'C:\\Users\\u').vscode, 'C:\\Users\\u\\AppData\\Roaming\\Code\\User\\mcp.json');
    assert.equal(
      stateDir({ platform: 'win32', home: 'C:\\Users\\u', env: { LOCALAPPDATA: 'L:\\Local' } }),
      'L:\\Local\\archon-mcp-doctor',
    );
  });

  test('VS Code profiles and workspace files are found; workspace files are shared', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'archon-loc-'));
    try {
      fs.mkdirSync(path.join(home, '.config/Code/User/profiles/-6f2a'), { recursive: true });
      const all = clientLocations({ platform: 'linux', home, env: {}, workspaces: ['/ws'] });
      assert.ok(
        all.some((l) => l.file === path.join(home, '.config/Code/User/profiles/-6f2a/mcp.json') && l.scope === 'user'),
      );
      const shared = all
        .filter((l) => l.shared)
        .map((l) => l.file)
        .sort();
      assert.deepEqual(shared, ['/ws/.cursor/mcp.json', '/ws/.mcp.json', '/ws/.vscode/mcp.json']);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('parsing', () => {
  const loc = (format: ConfigLocation['format']): ConfigLocation => ({
    client: 'cursor',
    file: '/x',
    format,
    scope: 'user',
    shared: false,
  });
  test('comments are fine in JSONC, not in plain JSON; malformed text says where', () => {
    assert.ok('value' in parseConfig(loc('jsonc'), '{ // c\n "servers": {}, }'));
    const e = parseConfig(loc('json'), '{\n  // c\n  "mcpServers": {}\n}');
    assert.ok(
      'error' in e && /not valid JSON: InvalidCommentToken at line 2, column 3/.test(e.error),
      JSON.stringify(e),
    );
    const t = parseConfig(loc('toml'), '[mcp_servers.archon\nurl = 1');
    assert.ok('error' in t && /^not valid TOML/.test(t.error));
    assert.deepEqual(parseConfig(loc('json'), '  \n'), { value: {} }, 'an empty file has no servers');
    assert.ok('error' in parseConfig(loc('json'), '[1, 2]'));
  });

  test('formatting follows the file: tabs, spaces, CRLF', () => {
    assert.deepEqual(formattingOf('{\r\n\t"a": 1\r\n}'), { insertSpaces: false, tabSize: 1, eol: '\r\n' });
    assert.deepEqual(formattingOf('{\n    "a": 1\n}'), { insertSpaces: true, tabSize: 4, eol: '\n' });
  });
});

describe('planning', () => {
  const read = (location: ConfigLocation, text: string) => {
    const parsed = parseConfig(location, text);
    assert.ok('value' in parsed);
    return { location, text, hash: 'h', entries: entriesIn(location, parsed.value, [archon]) };
  };
  const claudeUser: ConfigLocation = {
    client: 'claude-code',
    file: '/home/u/.claude.json',
    format: 'json',
    scope: 'user',
    shared: false,
  };
  const ws = 'c:/Users/Dev/Proj';
  const shared: ConfigLocation = {
    client: 'claude-code',
    file: `${ws}/.mcp.json`,
    format: 'json',
    scope: 'workspace',
    shared: true,
    workspace: ws,
  };
  const mcpJson = '{ "mcpServers": { "archon": { "type": "http", "url": "http://localhost:8051/mcp" } } }';

  test('a shared .mcp.json entry is routed by a local-scope entry under the project key Claude Code already uses', () => {
    const user = read(
      claudeUser,
      '{\n  "projects": {\n    "C:\\\\Users\\\\Dev\\\\Proj": {\n      "allowedTools": []\n    }\n  }\n}\n',
    );
    const plan = planRoute({ files: [user, read(shared, mcpJson)], errors: [] }, { servers: [archon] });
    assert.deepEqual(
      plan.edits.map((e) => e.file),
      ['/home/u/.claude.json'],
      'the shared file is not edited',
    );
    const after = JSON.parse(plan.edits[0].after) as {
      projects: Record<string, { mcpServers?: Record<string, unknown> }>;
    };
    assert.deepEqual(Object.keys(after.projects), ['C:\\Users\\Dev\\Proj']);
    assert.deepEqual(after.projects['C:\\Users\\Dev\\Proj'].mcpServers, {
      archon: { type: 'http', url: 'http://127.0.0.1:18051/archon/mcp' },
    });
  });

  test('a local-scope entry that already points at the gateway protects the shared entry; a direct one is routed itself', () => {
    const routed = read(
      claudeUser,
      JSON.stringify({ projects: { [ws]: { mcpServers: { archon: { url: 'http://127.0.0.1:18051/archon/mcp' } } } } }),
    );
    const scan = { files: [routed, read(shared, mcpJson)], errors: [] };
    assert.deepEqual(
      serverEntries(scan).map((v) => `${v.scope}:${v.state}`),
      ['project:protected', 'workspace:protected'],
    );
    assert.equal(planRoute(scan, { servers: [archon] }).edits.length, 0);
    const direct = read(
      claudeUser,
      JSON.stringify({ projects: { [ws]: { mcpServers: { archon: { url: 'http://localhost:8051/mcp' } } } } }),
    );
    const plan = planRoute({ files: [direct, read(shared, mcpJson)], errors: [] }, { servers: [archon] });
    assert.deepEqual(
      plan.edits[0].changes.map((c) => c.path),
      [['projects', ws, 'mcpServers', 'archon', 'url']],
    );
  });

  test('shared Cursor and VS Code files are skipped with a reason unless picked', () => {
    const vs: ConfigLocation = {
      client: 'vscode',
      file: '/ws/.vscode/mcp.json',
      format: 'jsonc',
      scope: 'workspace',
      shared: true,
      workspace: '/ws',
    };
    const scan = {
      files: [read(vs, '{ "servers": { "archon": { "type": "http", "url": "http://localhost:8051/mcp" } } }')],
      errors: [],
    };
    const skipped = planRoute(scan, { servers: [archon] });
    assert.equal(skipped.edits.length, 0);
    assert.match(skipped.skipped[0].reason, /shared through version control/);
    assert.equal(planRoute(scan, { servers: [archon], includeShared: ['/ws/.vscode/mcp.json'] }).edits.length, 1);
  });
});

describe('secrets', () => {
  test('the diff preview and the listing hide tokens that sit beside the entry', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'archon-secret-'));
    try {
      const file = path.join(dir, 'mcp.json');
      fs.writeFileSync(
        file,
        '{\n  "mcpServers": {\n    "archon": {\n      "url": "http://localhost:8051/mcp",\n      "headers": { "Authorization": "Bearer s3cr3t-value" }\n    }\n  }\n}\n',
      );
      const scan = await scanLocations(
        [{ client: 'cursor', file, format: 'json', scope: 'user', shared: false }],
        [archon],
      );
      const [edit] = planRoute(scan, { servers: [archon] }).edits;
      assert.ok(edit.after.includes('Bearer s3cr3t-value'), 'the file itself keeps its token');
      const diff = editDiff(edit);
      assert.match(diff, /\+\s+"url": "http:\/\/127\.0\.0\.1:18051\/archon\/mcp"/);
      assert.ok(!diff.includes('s3cr3t-value'), diff);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(shownTarget({ url: 'http://localhost:8051/mcp' }), 'http://localhost:8051/mcp', 'as written');
    assert.doesNotMatch(shownTarget({ url: 'https://u:pw@mcp.example.com/mcp?token=abc' }), /pw|abc/);
    assert.doesNotMatch(shownTarget({ command: 'npx', args: ['server', '--api-key=k3y'] }), /k3y/);
  });
});

describe('writing', () => {
  let dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    dirs = [];
  });
  const ORIGINAL =
    '{\n  "mcpServers": {\n    "archon": { "url": "http://localhost:8051/mcp" },\n    "other": { "command": "x" }\n  }\n}\n';
  async function setup() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'archon-write-'));
    dirs.push(dir);
    const file = path.join(dir, 'mcp.json');
    fs.writeFileSync(file, ORIGINAL);
    const location: ConfigLocation = { client: 'cursor', file, format: 'json', scope: 'user', shared: false };
    const scan = await scanLocations([location], [archon]);
    const plan = planRoute(scan, { servers: [archon] });
    return { dir, file, plan, journal: new JournalStore(path.join(dir, 'state')) };
  }

  test('the planned edit changes only the URL', async () => {
    const { plan } = await setup();
    assert.equal(plan.edits.length, 1);
    assert.equal(
      plan.edits[0].after,
      ORIGINAL.replace('http://localhost:8051/mcp', 'http://127.0.0.1:18051/archon/mcp'),
    );
  });

  test("a file changed between read and write is refused and keeps the other program's bytes", async () => {
    const { file, plan, journal } = await setup();
    const theirs = ORIGINAL.replace('"x"', '"y"');
    fs.writeFileSync(file, theirs); // the client rewrote its file after we read it
    const [o] = await executeRoute(plan.edits, journal);
    assert.equal(o.outcome, 'refused');
    assert.match(o.message, /changed since it was read .*nothing written/);
    assert.equal(fs.readFileSync(file, 'utf8'), theirs);
    assert.deepEqual((await journal.load()).files, {}, 'nothing journaled');
    assert.ok(!fs.existsSync(`${file}.archon-mcp-doctor.bak`));
  });

  test('a rename the disk refuses (EACCES) leaves the file, no temp file and no journal entry', async () => {
    // Tests run as root, for whom file modes do not stop a write: the refusal comes from the file layer here.
    // (test/integration/clients-cli.test.ts checks the same with a real read-only file as a non-root user.)
    const { dir, file, plan, journal } = await setup();
    const ops: FileOps = {
      ...nodeFileOps,
      rename: async (from, to) =>
        to === file
          ? Promise.reject(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }))
          : nodeFileOps.rename(from, to),
    };
    const [o] = await executeRoute(plan.edits, journal, ops);
    assert.equal(o.outcome, 'refused');
    assert.match(o.message, /mcp\.json: writing failed: not writable \(permission denied\); nothing written/);
    assert.equal(fs.readFileSync(file, 'utf8'), ORIGINAL);
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')),
      [],
    );
    assert.deepEqual((await journal.load()).files, {}, 'the journal is rolled back');
  });

  test('undo restores only while the file holds what we wrote; a damaged journal is reported, not guessed at', async () => {
    const { file, plan, journal } = await setup();
    fs.chmodSync(file, 0o640);
    assert.equal((await executeRoute(plan.edits, journal))[0].outcome, 'written');
    assert.equal(fs.statSync(file).mode & 0o777, 0o640, 'mode kept');
    assert.equal(fs.statSync(journal.file).mode & 0o777, 0o600, 'the journal is private: it holds originals');
    const [u] = await undoRouting(journal);
    assert.equal(u.outcome, 'restored');
    assert.equal(fs.readFileSync(file, 'utf8'), ORIGINAL);
    fs.writeFileSync(journal.file, '{ broken');
    await assert.rejects(journal.load(), /undo journal .* is damaged/);
    assert.equal(fs.readFileSync(journal.file, 'utf8'), '{ broken', 'left for the user to look at');
  });
});
