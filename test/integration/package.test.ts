// The .vsix that `npm run package` builds holds exactly what a user needs, and nothing else.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import yauzl from 'yauzl';

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { name: string; version: string };
const vsix = `${manifest.name}-${manifest.version}.vsix`;

function entries(file: string): Promise<Map<string, number>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const found = new Map<string, number>();
      zip.on('entry', (e: yauzl.Entry) => {
        found.set(e.fileName, e.uncompressedSize);
        zip.readEntry();
      });
      zip.on('end', () => resolve(found));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

test('the .vsix holds the bundle, manifest, docs and media, and no sources, tests or node_modules', async () => {
  assert.ok(existsSync(vsix), `${vsix} exists (npm test packages it first)`);
  const files = await entries(vsix);
  const names = [...files.keys()];
  for (const required of [
    'extension/package.json',
    'extension/dist/extension.js',
    'extension/dist/toml-lib.js',
    'extension/dist/modern-front.js',
    'extension/dist/mcp-server-lib.js',
    'extension/dist/cli.js',
    'extension/readme.md',
    'extension/changelog.md',
    'extension/LICENSE.txt',
    'extension/media/archon.svg',
  ]) {
    assert.ok(files.has(required), `${required} in the package; it has: ${names.join(', ')}`);
  }
  const forbidden = names.filter(
    (n) =>
      /^extension\/(src|test|node_modules|scripts|bench|\.ci)\//.test(n) ||
      /\.(ts|map)$/.test(n) ||
      n.endsWith('.vsix') ||
      n.endsWith('.tgz'),
  );
  assert.deepEqual(forbidden, []);
  assert.ok(files.get('extension/dist/extension.js')! < 1024 * 1024, 'bundle under 1 MB');
  const bundle = readFileSync('dist/extension.js', 'utf8');
  assert.ok(!bundle.includes('sourceMappingURL'), 'the packaged bundle is the minified production build');
  // The gateway's modern front (v2 server package) is its own file, required on first use.
  assert.ok(bundle.includes('require("./modern-front.js")'), 'the extension loads the modern front from its own file');
  assert.ok(
    !bundle.includes('modern-only-missing-envelope'),
    'the v2 server package (its classifier) is not inside the extension bundle',
  );
  // prom-client (GET /metrics) is its own file too, required on the first scrape.
  assert.ok(files.has('extension/dist/metrics-lib.js'), 'dist/metrics-lib.js in the package');
  assert.ok(bundle.includes('require("./metrics-lib.js")'), 'the extension loads prom-client from its own file');
  assert.ok(!bundle.includes('nodejs_eventloop_lag_seconds'), 'prom-client is not inside the extension bundle');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const front = require('../../dist/modern-front.js') as { createModernFront?: unknown };
  assert.equal(typeof front.createModernFront, 'function', 'dist/modern-front.js exports the front');
});

test('the manifest declares what the extension needs', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  assert.equal(pkg.engines.vscode, '^1.101.0');
  assert.match(pkg.devDependencies['@types/vscode'], /^~?1\.101\./);
  assert.deepEqual(pkg.extensionKind, ['workspace']);
  assert.deepEqual(pkg.activationEvents, ['onStartupFinished']);
  const commands = pkg.contributes.commands.map((c: { command: string }) => c.command);
  for (const id of [
    'archonMcp.reconnect',
    'archonMcp.showDiagnostics',
    'archonMcp.copyDiagnostics',
    'archonMcp.setToken',
    'archonMcp.openSettings',
  ]) {
    assert.ok(commands.includes(id), id);
  }
  const title = (id: string) => {
    const c = pkg.contributes.commands.find((x: { command: string }) => x.command === id);
    return c && `${c.category}: ${c.title}`;
  };
  assert.equal(title('archonMcp.runGatewayInDocker'), 'Archon: Run Healing Gateway in Docker');
  assert.equal(title('archonMcp.stopGatewayInDocker'), 'Archon: Stop Healing Gateway in Docker');
  const reconnect = pkg.contributes.commands.find((c: { command: string }) => c.command === 'archonMcp.reconnect');
  assert.equal(`${reconnect.category}: ${reconnect.title}`, 'Archon: Reconnect MCP');
});

test('the walkthrough: four steps, each with Markdown media that ships in the .vsix, and commands that exist or are owned elsewhere', async () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  const [walkthrough, ...others] = pkg.contributes.walkthroughs;
  assert.equal(others.length, 0);
  assert.equal(walkthrough.id, 'firstFiveMinutes');
  assert.deepEqual(
    walkthrough.steps.map((s: { id: string }) => s.id),
    ['archonRunning', 'routeClients', 'alwaysOn', 'seeItWork'],
  );
  const files = await entries(vsix);
  const commands = new Set(pkg.contributes.commands.map((c: { command: string }) => c.command));
  // Commands built on other branches (client routing, the gateway in Docker), wired at merge.
  const elsewhere = new Set(['archonMcp.routeClients', 'archonMcp.runGatewayInDocker']);
  for (const step of walkthrough.steps as { id: string; description: string; media: { markdown: string } }[]) {
    assert.ok(existsSync(step.media.markdown), `${step.media.markdown} exists`);
    assert.ok(files.has(`extension/${step.media.markdown}`), `${step.media.markdown} is in the package`);
    for (const [, id] of step.description.matchAll(/\(command:([\w.]+)\)/g)) {
      assert.ok(commands.has(id) || elsewhere.has(id), `step ${step.id} links to ${id}, which is contributed`);
    }
  }
  assert.deepEqual(pkg.contributes.mcpServerDefinitionProviders, [
    { id: 'archonMcp.gateway', label: 'Healed through the Archon MCP Doctor gateway' },
  ]);
});
