// Runs the extension-host test suite (test/vscode/suite) inside code-server's extension host.
//
//   node scripts/run-vscode-tests.mjs            (after `npm run package` and scripts/setup-code-server.sh)
//
// Elsewhere the same suite runs with @vscode/test-electron (`npm run test:vscode`, .vscode-test.mjs).
// code-server ignores the extensionDevelopmentPath/extensionTestsPath payload (code-server #7425), so:
//   1. bundle the suite + a test-harness extension (scripts/build-vscode-tests.mjs);
//   2. start code-server on 127.0.0.1 with a fresh user-data-dir and extensions-dir, after
//      `--install-extension` of the real .vsix and of the harness;
//   3. open the workbench in headless Chromium: code-server starts the extension host, our
//      extension and the harness activate; the harness require()s the suite and calls
//      runWithResults(); each result is appended to a JSON-lines file named by an env variable;
//   4. print the results node-test style, end with `N passed, N failed`, exit 1 on failure.
// Missing code-server / Chromium / .vsix: with CI=true a failure, otherwise a skip (exit 0).
//
// Env: ARCHON_VSIX (default <name>-<version>.vsix at the root), ARCHON_VSCODE_TEST_GREP,
// ARCHON_VSCODE_TEST_TIMEOUT_MS (per test, default 60000), ARCHON_VSCODE_RUN_TIMEOUT_MS (whole
// run, default 600000), ARCHON_TEST_CACHE, ARCHON_NODE24, ARCHON_CODE_SERVER, ARCHON_CHROMIUM.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildVscodeTests } from './build-vscode-tests.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const t0 = Date.now();
// Build first: the suite, the harness and this runner's helpers (test/vscode/code-server.ts).
const built = await buildVscodeTests();
const cs = createRequire(import.meta.url)(path.join(built.out, 'code-server.js'));
const resultsDir = path.join(root, 'test-results', 'vscode');
const runTimeoutMs = Number(process.env.ARCHON_VSCODE_RUN_TIMEOUT_MS ?? 600_000);

const secs = (t = t0) => `${((Date.now() - t) / 1000).toFixed(1)}s`;
const say = (msg) => console.log(`# ${msg}`);

const { tools, missing } = cs.findTools();
const vsix = cs.findVsix();
if (!vsix)
  missing.push(
    `the extension package (${cs.projectManifest().name}-${cs.projectManifest().version}.vsix; run \`npm run package\`)`,
  );
if (missing.length) {
  const { fail, message } = cs.missingMessage(missing);
  console.log(`# ${message}`);
  process.exit(fail ? 1 : 0);
}

const stale = cs.staleVsixWarning(vsix);
if (stale) say(stale);

let exitCode = 1;
let summary = '0 passed, 1 failed';
let server;
let workbench;
try {
  say(`built suite (${built.tests} test files) in ${secs()}`);

  fs.rmSync(resultsDir, { recursive: true, force: true });
  fs.mkdirSync(resultsDir, { recursive: true });
  const resultsFile = path.join(resultsDir, 'results.jsonl');

  // The harness goes in as a .vsix too: the same route as the real package.
  const tStart = Date.now();
  const harnessVsix = path.join(resultsDir, 'archon-mcp-doctor-test-harness.vsix');
  await packageHarness(path.join(built.out, 'harness'), harnessVsix);
  server = await cs.startCodeServer({
    tools,
    vsix: [vsix, harnessVsix],
    logFile: path.join(resultsDir, 'code-server.log'),
    env: {
      ARCHON_VSCODE_TEST_SUITE: path.join(built.out, 'suite', 'index.js'),
      ARCHON_VSCODE_TEST_RESULTS: resultsFile,
      ARCHON_REPO_ROOT: root,
    },
  });
  say(
    `code-server ${cs.CODE_SERVER_VERSION} up at ${server.url} with ${path.basename(vsix)} installed (${secs(tStart)})`,
  );

  workbench = await cs.openWorkbench(server, tools);
  say(`workbench open in Chromium (${secs(tStart)})`);

  const outcome = await followResults(resultsFile, server);
  await workbench.page.screenshot({ path: path.join(resultsDir, 'workbench-after-suite.png') }).catch(() => undefined);
  exitCode = outcome.code;
  summary = outcome.summary;
} catch (err) {
  console.log(`not ok - VS Code test run: ${err instanceof Error ? err.message : String(err)}`);
  if (server) {
    console.log(`# code-server log (${server.logFile}):\n${cs.tail(server.logFile, 30)}`);
    const ext = server.extensionHostLog();
    if (ext) console.log(`# extension host log:\n${ext.split('\n').slice(-40).join('\n')}`);
  }
  exitCode = 1;
} finally {
  if (server) fs.writeFileSync(path.join(resultsDir, 'exthost.log'), server.extensionHostLog());
  await workbench?.close();
  await server?.stop();
  say(`VS Code stage took ${secs()}`);
}
console.log(summary);
process.exit(exitCode);

/** Reads the harness's JSON lines as they come and prints them; returns the exit code and summary line. */
async function followResults(file, srv) {
  const deadline = Date.now() + runTimeoutMs;
  const startDeadline = Date.now() + 120_000;
  let offset = 0;
  let started = false;
  let passed = 0;
  let failed = 0;
  let pending = 0;
  for (;;) {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    const lines = text.slice(offset).split('\n');
    const complete = lines.slice(0, -1);
    offset += complete.reduce((n, l) => n + l.length + 1, 0);
    for (const line of complete) {
      if (!line.trim()) continue;
      const ev = JSON.parse(line);
      if (ev.type === 'start') {
        started = true;
        say(`suite started in ${ev.appName} ${ev.vscodeVersion} extension host (Node ${ev.node}, pid ${ev.pid})`);
      } else if (ev.type === 'test') {
        const t = ev.test;
        const ms = t.durationMs !== undefined ? ` (${t.durationMs}ms)` : '';
        if (t.state === 'passed') {
          passed++;
          console.log(`✔ ${t.fullTitle}${ms}`);
        } else if (t.state === 'pending') {
          pending++;
          console.log(`﹣ ${t.fullTitle} # SKIP`);
        } else {
          failed++;
          console.log(`✖ ${t.fullTitle}${ms}`);
          const detail = (t.error?.stack ?? t.error?.message ?? '').split('\n').slice(0, 12);
          for (const l of detail) console.log(`    ${l}`);
        }
      } else if (ev.type === 'end') {
        say(`suite finished in ${(ev.durationMs / 1000).toFixed(1)}s${pending ? `, ${pending} skipped` : ''}`);
        if (passed === 0 && failed === 0) return { code: 1, summary: '0 passed, 1 failed (no test ran)' };
        return { code: failed > 0 ? 1 : 0, summary: `${passed} passed, ${failed} failed` };
      } else if (ev.type === 'error') {
        console.log(`✖ loading/running the suite: ${ev.message}`);
        for (const l of String(ev.stack ?? '')
          .split('\n')
          .slice(0, 12))
          console.log(`    ${l}`);
        return { code: 1, summary: `${passed} passed, ${failed + 1} failed` };
      }
    }
    if (srv.process.exitCode !== null || srv.process.signalCode !== null)
      throw new Error('code-server exited during the run');
    if (!started && Date.now() > startDeadline) {
      throw new Error(
        'the test harness never started in the extension host (is the harness installed and activating?)',
      );
    }
    if (Date.now() > deadline)
      throw new Error(`the suite did not finish within ${runTimeoutMs} ms (${passed} passed, ${failed} failed so far)`);
    await cs.sleep(250);
  }
}

async function packageHarness(dir, outFile) {
  const { createVSIX } = await import('@vscode/vsce');
  // vsce wants these next to the manifest; the harness is test-only.
  fs.writeFileSync(
    path.join(dir, 'README.md'),
    '# Archon MCP Doctor test harness\n\nTest-only. See scripts/run-vscode-tests.mjs.\n',
  );
  fs.writeFileSync(path.join(dir, 'LICENSE'), 'MIT\n');
  fs.writeFileSync(path.join(dir, '.vscodeignore'), '*.map\n');
  const log = console.log;
  const info = console.info;
  console.log = console.info = () => {}; // vsce prints "DONE Packaged …"
  try {
    await createVSIX({
      cwd: dir,
      packagePath: outFile,
      dependencies: false,
      allowMissingRepository: true,
      skipLicense: true,
    });
  } finally {
    console.log = log;
    console.info = info;
  }
}
