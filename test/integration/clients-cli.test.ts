// `node dist/cli.js clients …` against fixture configuration files in a temporary home, as each client
// writes them: list → route → the exact expected files → unroute → byte-identical originals.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, test } from 'node:test';
import { layClientHome, type ClientHome } from '../helpers/client-home';
import { readJsonLine } from '../helpers/json-lines';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const NOBODY = 65534;
let homes: ClientHome[] = [];
afterEach(() => {
  for (const h of homes) h.remove();
  homes = [];
});

function fixture(): ClientHome {
  const h = layClientHome();
  homes.push(h);
  return h;
}

function clients(h: ClientHome, args: string[], opts: { input?: string; uid?: number } = {}) {
  const r = spawnSync(process.execPath, [CLI, 'clients', ...args, '--workspace', h.workspace], {
    env: h.env,
    encoding: 'utf8',
    input: opts.input ?? '',
    timeout: 30_000,
    ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.uid } : {}),
  });
  const lines = () =>
    r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => readJsonLine(l) as Record<string, unknown>);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, lines };
}

const USER_FILES = [
  'home/.claude.json',
  'home/.cursor/mcp.json',
  'home/.codeium/windsurf/mcp_config.json',
  'home/.config/Code/User/mcp.json',
  'home/.config/Claude/claude_desktop_config.json',
  'home/.codex/config.toml',
];

function assertAll(h: ClientHome, which: 'before' | 'after', files = h.files()) {
  for (const rel of files)
    assert.equal(h.actual(rel).toString('utf8'), h.expected(which, rel).toString('utf8'), `${rel} as in ${which}/`);
  for (const rel of files)
    assert.ok(h.actual(rel).equals(h.expected(which, rel)), `${rel} byte for byte as in ${which}/`);
}

test('clients --json: one client-entry line per entry of every client, with target and state', () => {
  const h = fixture();
  const r = clients(h, ['--json']);
  assert.equal(r.code, 0, r.stderr);
  const all = r.lines();
  assert.deepEqual([...new Set(all.map((l) => l.type))].sort(), ['client-entry', 'mcp-server']);
  const lines = all.filter((l) => l.type === 'client-entry');
  for (const l of lines) {
    assert.ok(!Number.isNaN(Date.parse(String(l.t))), 'ISO timestamp');
    for (const k of ['client', 'file', 'scope', 'name', 'target'])
      assert.ok(k in l, `field ${k} in ${JSON.stringify(l)}`);
    assert.ok('url' in l || 'command' in l, 'url or command');
  }
  assert.deepEqual([...new Set(lines.map((l) => l.client))].sort(), [
    'claude-code',
    'claude-desktop',
    'codex',
    'cursor',
    'vscode',
    'windsurf',
  ]);
  const find = (client: string, name: string, scope?: string) =>
    lines.find((l) => l.client === client && l.name === name && (!scope || l.scope === scope));
  assert.deepEqual(
    { ...find('claude-code', 'archon', 'user'), t: 0 },
    {
      type: 'client-entry',
      t: 0,
      client: 'claude-code',
      file: path.join(h.home, '.claude.json'),
      scope: 'user',
      name: 'archon',
      url: 'http://localhost:8051/mcp',
      target: 'direct',
      server: 'Archon',
      state: 'direct',
      shared: false,
      transport: 'http',
      protection: 'direct',
      serverId: 'archon',
    },
  );
  assert.equal(
    find('claude-code', 'archon-win')?.project,
    'C:\\Users\\dev\\archon-project',
    'Windows project path kept as written',
  );
  assert.equal(
    find('claude-code', 'archon-win')?.target,
    'direct',
    '127.0.0.1 with a trailing slash is the same server',
  );
  assert.equal(find('windsurf', 'Archon')?.target, 'direct', '[::1] is the same server');
  assert.equal(find('claude-desktop', 'archon')?.command, 'npx');
  assert.equal(find('claude-desktop', 'archon')?.target, 'direct', 'mcp-remote to the server is direct');
  assert.equal(find('cursor', 'github')?.target, 'other');
  assert.equal(find('claude-code', 'archon', 'workspace')?.state, 'shared');
  assert.equal(find('vscode', 'archon', 'workspace')?.state, 'shared');
});

test('clients route without --yes shows the diff and writes nothing when nobody can answer', () => {
  const h = fixture();
  const r = clients(h, ['route'], { input: 'y\n' });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^-.*"url": "http:\/\/localhost:8051\/mcp"/m);
  assert.match(r.stdout, /^\+.*"url": "http:\/\/127\.0\.0\.1:18051\/archon\/mcp"/m);
  assert.match(r.stdout, /stdin is not a terminal.*nothing written/);
  assertAll(h, 'before');
  // With --json every line stays one JSON object: the diffs and the refusal too.
  const j = clients(h, ['route', '--json']);
  assert.equal(j.code, 1);
  const lines = j.lines();
  assert.deepEqual([...new Set(lines.map((l) => l.type))].sort(), [
    'client-route-declined',
    'client-route-diff',
    'client-route-skipped',
  ]);
  assert.match(
    String(lines.find((l) => l.file === path.join(h.home, '.codex', 'config.toml'))?.diff),
    /^\+url = "http:\/\/127\.0\.0\.1:18051\/archon\/mcp" # Streamable HTTP$/m,
  );
  assertAll(h, 'before');
});

test('clients route --yes writes exactly the expected files; unroute --yes puts back every original byte', () => {
  const h = fixture();
  fs.chmodSync(path.join(h.home, '.claude.json'), 0o600);
  const route = clients(h, ['route', '--yes', '--json']);
  assert.equal(route.code, 0, route.stdout + route.stderr);
  assertAll(h, 'after');
  assert.equal(fs.statSync(path.join(h.home, '.claude.json')).mode & 0o777, 0o600, 'mode kept');
  const written = route.lines().filter((l) => l.type === 'client-route');
  assert.deepEqual(
    written.map((l) => l.outcome),
    USER_FILES.map(() => 'written'),
  );
  for (const l of written)
    assert.ok(
      fs.readFileSync(String(l.backup)).equals(h.expected('before', path.relative(h.root, String(l.file)))),
      `backup of ${l.file} holds the original`,
    );
  const skipped = route.lines().filter((l) => l.type === 'client-route-skipped');
  assert.deepEqual(
    skipped.map((l) => l.file),
    [path.join(h.workspace, '.vscode', 'mcp.json')],
    'the shared VS Code file is left alone',
  );

  const listed = clients(h, ['--json']).lines();
  assert.ok(
    listed
      .filter((l) => l.server)
      .every((l) => l.state === 'protected' || l.file === path.join(h.workspace, '.vscode', 'mcp.json')),
    JSON.stringify(listed),
  );
  assert.equal(
    listed.find((l) => l.client === 'claude-desktop' && l.name === 'archon')?.target,
    'gateway',
    'the stdio bridge counts as the gateway',
  );

  const again = clients(h, ['route', '--yes']);
  assert.match(again.stdout, /Nothing to route/);

  const undo = clients(h, ['unroute', '--yes', '--json']);
  assert.equal(undo.code, 0, undo.stdout + undo.stderr);
  assert.deepEqual(
    undo.lines().map((l) => l.outcome),
    USER_FILES.map(() => 'restored'),
  );
  assertAll(h, 'before');
  assert.equal(fs.statSync(path.join(h.home, '.claude.json')).mode & 0o777, 0o600, 'mode kept');
  for (const rel of USER_FILES)
    assert.ok(!fs.existsSync(path.join(h.root, `${rel}.archon-mcp-doctor.bak`)), `backup of ${rel} removed after undo`);
  assert.match(clients(h, ['unroute', '--yes']).stdout, /Nothing to undo/);
});

test('clients route --include-shared routes a shared file the user picked; --client limits the clients', () => {
  const h = fixture();
  const shared = path.join(h.workspace, '.vscode', 'mcp.json');
  const r = clients(h, ['route', '--yes', '--client', 'vscode', '--include-shared', shared]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(
    fs.readFileSync(shared, 'utf8'),
    h
      .expected('before', 'workspace/.vscode/mcp.json')
      .toString()
      .replace('http://localhost:8051/mcp', 'http://127.0.0.1:18051/archon/mcp'),
  );
  assertAll(h, 'after', ['home/.config/Code/User/mcp.json']);
  assertAll(
    h,
    'before',
    h.files().filter((f) => !f.includes('Code/User') && !f.includes('.vscode')),
  );
});

test('a malformed file gets a client-file-error line and is left untouched by route', () => {
  const h = fixture();
  const broken = '{\n  "mcpServers": {\n    "archon": { "url": "http://localhost:8051/mcp" \n  }\n';
  fs.writeFileSync(path.join(h.home, '.cursor', 'mcp.json'), broken);
  const list = clients(h, ['--json']).lines();
  const err = list.find((l) => l.type === 'client-file-error');
  assert.equal(err?.file, path.join(h.home, '.cursor', 'mcp.json'));
  assert.match(String(err?.message), /not valid JSON: \w+ at line \d+, column \d+/);
  assert.ok(!Number.isNaN(Date.parse(String(err?.t))));
  const route = clients(h, ['route', '--yes']);
  assert.equal(route.code, 1, 'a file left alone is not a full success');
  assert.match(route.stdout, /unreadable, left alone: .*mcp\.json: not valid JSON/);
  assert.equal(fs.readFileSync(path.join(h.home, '.cursor', 'mcp.json'), 'utf8'), broken);
  assertAll(h, 'after', ['home/.codex/config.toml', 'home/.claude.json']);
});

test('a file its user cannot write is refused with a message and stays as it was', () => {
  const h = fixture();
  const dir = path.join(h.home, '.cursor');
  const file = path.join(dir, 'mcp.json');
  // Root ignores file modes, so as root the CLI runs as "nobody", for whom a read-only file really is read-only.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) spawnSync('chown', ['-R', `${NOBODY}:${NOBODY}`, h.root]);
  fs.chmodSync(file, 0o444);
  fs.chmodSync(dir, 0o555);
  try {
    const r = clients(h, ['route', '--yes', '--client', 'cursor'], asRoot ? { uid: NOBODY } : {});
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /refused: .*mcp\.json: checking write access failed: not writable \(permission denied\); nothing written/,
    );
    assert.ok(fs.readFileSync(file).equals(h.expected('before', 'home/.cursor/mcp.json')));
    assert.deepEqual(fs.readdirSync(dir), ['mcp.json'], 'no temporary file or backup left behind');
  } finally {
    fs.chmodSync(dir, 0o755);
  }
});

test('unroute after someone else edited a routed file: our values go back, their edit stays; the rest byte for byte', () => {
  const h = fixture();
  assert.equal(clients(h, ['route', '--yes']).code, 0);
  const cursor = path.join(h.home, '.cursor', 'mcp.json');
  const edited = fs.readFileSync(cursor, 'utf8').replace('"github"', '"github-renamed"');
  fs.writeFileSync(cursor, edited);
  const undo = clients(h, ['unroute', '--yes']);
  assert.equal(undo.code, 0, undo.stdout);
  assert.match(
    undo.stdout,
    /restored: .*\.cursor\/mcp\.json: changed by its client since we wrote it, so our 1 value went back to the original/,
  );
  assert.equal(
    fs.readFileSync(cursor, 'utf8'),
    h.expected('before', 'home/.cursor/mcp.json').toString().replace('"github"', '"github-renamed"'),
  );
  assertAll(
    h,
    'before',
    USER_FILES.filter((f) => !f.includes('.cursor')),
  );
});

test('unroute leaves a routed value someone else changed since', () => {
  const h = fixture();
  assert.equal(clients(h, ['route', '--yes']).code, 0);
  const cursor = path.join(h.home, '.cursor', 'mcp.json');
  const edited = fs
    .readFileSync(cursor, 'utf8')
    .replace('http://127.0.0.1:18051/archon/mcp', 'http://127.0.0.1:9999/mcp');
  fs.writeFileSync(cursor, edited);
  const undo = clients(h, ['unroute', '--yes']);
  assert.equal(undo.code, 1);
  assert.match(
    undo.stdout,
    /kept: .*\.cursor\/mcp\.json changed since we wrote it; left as it is \(the original is in .*\.bak\)/,
  );
  assert.equal(fs.readFileSync(cursor, 'utf8'), edited);
  assertAll(
    h,
    'before',
    USER_FILES.filter((f) => !f.includes('.cursor')),
  );
});

test('clients with a bad flag or client id explains itself and exits 2', () => {
  const h = fixture();
  assert.equal(clients(h, ['route', '--client', 'notepad']).code, 2);
  const bad = clients(h, ['--server-url', 'localhost:8051']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /not an http\(s\) URL/);
});

// A real terminal for the question: util-linux `script` runs the CLI on a pseudo-terminal and types the answer.
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
const noScript = !hasScript && process.env.CI !== 'true' ? 'needs util-linux `script` for a pseudo-terminal' : false;

test('on a terminal, route asks: "y" writes, anything else writes nothing', { skip: noScript }, () => {
  assert.ok(hasScript, 'util-linux `script` is needed for this test (CI=true)');
  const h = fixture();
  const onTerminal = (args: string, answer: string) =>
    spawnSync(
      'script',
      [
        '-qec',
        `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} clients ${args} --workspace ${JSON.stringify(h.workspace)}`,
        '/dev/null',
      ],
      {
        env: h.env,
        encoding: 'utf8',
        input: answer,
        timeout: 30_000,
      },
    );
  const no = onTerminal('route --client cursor', 'n\n');
  assert.match(no.stdout, /Write 1 file\? \[y\/N\][\s\S]*nothing written/);
  assertAll(h, 'before');
  const yes = onTerminal('route --client cursor', 'y\n');
  assert.equal(yes.status, 0, yes.stdout);
  assert.match(yes.stdout, /written: .*\.cursor\/mcp\.json/);
  assertAll(h, 'after', ['home/.cursor/mcp.json']);
  const undo = onTerminal('unroute', 'yes\n');
  assert.match(undo.stdout, /Restore 1 file\? \[y\/N\][\s\S]*restored/);
  assertAll(h, 'before');
});
