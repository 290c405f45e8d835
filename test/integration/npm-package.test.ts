// The npm package as a user gets it: `npm pack` of this checkout (the bundle `npm run package` built),
// installed globally into a scratch prefix with an empty cache and no network (it has no dependencies),
// then the installed `archon-mcp-doctor`: --version, --help, and a proxy serving a real client call.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { readJsonLine } from '../helpers/json-lines';
import { startServer, type RunningServer } from '../helpers/servers';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { connectClient, textOf } from '../gateway/util';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; name: string };

describe('npm package: pack, install -g into a scratch prefix, run', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'archon-pkg-'));
  const prefix = join(scratch, 'prefix');
  const bin = join(prefix, 'bin', 'archon-mcp-doctor');
  // An empty cache and --offline: anything the package needed from the registry would fail the install.
  const env = { ...process.env, npm_config_cache: join(scratch, 'cache'), npm_config_update_notifier: 'false' };
  let tgz = '';
  let fx: RunningServer | undefined;
  let files: string[] = [];
  before(async () => {
    assert.ok(existsSync(join(ROOT, 'dist', 'cli.js')), 'dist/cli.js exists (npm run package builds it)');
    // --ignore-scripts: pack the bundle already built instead of rebuilding dist/ under the other tests.
    const { stdout } = await run(NPM, ['pack', '--json', '--ignore-scripts', '--pack-destination', scratch], {
      cwd: ROOT,
      env,
    });
    const [info] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    tgz = join(scratch, info.filename);
    files = info.files.map((f) => f.path).sort();
    await run(NPM, ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, tgz], {
      cwd: scratch,
      env,
    });
  });
  after(async () => {
    await fx?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('ships only the bundle and its docs, under the same name and version as the .vsix', () => {
    assert.equal(tgz, join(scratch, `${pkg.name}-${pkg.version}.tgz`));
    assert.deepEqual(files, ['CHANGELOG.md', 'LICENSE', 'README.md', 'dist/cli.js', 'package.json']);
    const installed = JSON.parse(
      readFileSync(join(prefix, 'lib', 'node_modules', pkg.name, 'package.json'), 'utf8'),
    ) as Record<string, unknown>;
    assert.equal(installed.dependencies, undefined, 'no runtime dependencies');
    assert.equal(installed.private, undefined);
    assert.deepEqual(installed.bin, { 'archon-mcp-doctor': 'dist/cli.js' });
  });

  it('archon-mcp-doctor --version prints the package version; --help lists every command', async () => {
    assert.equal((await run(bin, ['--version'], { env })).stdout.trim(), pkg.version);
    const help = (await run(bin, ['--help'], { env })).stdout;
    for (const command of ['watch', 'proxy', 'stdio'])
      assert.match(help, new RegExp(`^  ${command} `, 'm'), `--help lists ${command}`);
    await assert.rejects(
      run(bin, ['no-such-command'], { env }),
      (e: { code?: number; stderr?: string }) =>
        e.code === 2 && /unknown command "no-such-command"/.test(e.stderr ?? ''),
    );
  });

  it('the installed proxy serves a real client call, of either protocol era', async () => {
    fx = await startServer('fixture', { testTools: true });
    const child = spawn(
      bin,
      ['proxy', '--upstream', fx.url, '--port', '0', '--json', '--state-dir', join(scratch, 'state')],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const first = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no first line from the installed proxy')), 20_000);
        createInterface({ input: child.stdout }).once('line', (l) => {
          clearTimeout(timer);
          resolve(readJsonLine(l));
        });
        child.once('exit', (code) => reject(new Error(`proxy exited ${code}`)));
      });
      assert.equal(first.type, 'listening');
      const c = await connectClient(String(first.url));
      try {
        assert.match(textOf(await c.client.callTool({ name: 'test_read', arguments: {} })), /"executions":1/);
      } finally {
        await c.close();
      }
      // A 2026-07-28 client: the modern front as the bundle ships it (not the sources the gateway tests run).
      const modern = new ModernClient(
        { name: 'npm-package-test', version: '1.0.0' },
        { capabilities: {}, versionNegotiation: { mode: { pin: '2026-07-28' } } },
      );
      try {
        await modern.connect(new ModernTransport(new URL(String(first.url))));
        assert.equal(modern.getNegotiatedProtocolVersion(), '2026-07-28');
        const r = await modern.callTool({ name: 'test_read', arguments: {} });
        assert.match(textOf(r), /"executions":2/, 'the same upstream, through the modern front');
      } finally {
        await modern.close().catch(() => undefined);
      }
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      assert.equal(await exited, 0, 'SIGTERM exits 0');
    }
  });
});
