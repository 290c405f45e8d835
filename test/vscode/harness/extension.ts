// Test-only extension: the way into code-server's extension host.
//
// code-server ignores the extensionDevelopmentPath/extensionTestsPath payload (code-server issue
// #7425), so scripts/run-vscode-tests.mjs installs this small extension next to the real .vsix.
// It activates on startup in the extension host that code-server starts when a browser opens the
// workbench, loads the bundled suite named by ARCHON_VSCODE_TEST_SUITE, runs it and appends one
// JSON line per event to ARCHON_VSCODE_TEST_RESULTS:
//   {"type":"start",...} {"type":"test",...}* then {"type":"end",...} or {"type":"error",...}
// Environment variables given to the code-server process reach the extension host.
import * as fs from 'node:fs';
import type * as vscode from 'vscode';

interface SuiteModule {
  run?: () => Promise<void>;
  runWithResults?: (options: { onTest?: (t: unknown) => void }) => Promise<{
    passed: number;
    failed: number;
    pending: number;
    durationMs: number;
  }>;
}

export function activate(context: vscode.ExtensionContext): void {
  const suitePath = process.env.ARCHON_VSCODE_TEST_SUITE;
  const resultsPath = process.env.ARCHON_VSCODE_TEST_RESULTS;
  if (!suitePath || !resultsPath) return;

  // One run per results file, even if the workbench reloads and a new extension host starts.
  try {
    fs.closeSync(fs.openSync(`${resultsPath}.lock`, 'wx'));
  } catch {
    return;
  }
  const write = (event: Record<string, unknown>) =>
    fs.appendFileSync(resultsPath, JSON.stringify({ at: new Date().toISOString(), ...event }) + '\n');

  // Let activation return at once; the suite runs on its own.
  setTimeout(() => {
    void (async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const vscodeApi: typeof vscode = require('vscode');
      write({
        type: 'start',
        vscodeVersion: vscodeApi.version,
        appName: vscodeApi.env.appName,
        node: process.version,
        pid: process.pid,
        harness: context.extension.id,
      });
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const suite = require(suitePath) as SuiteModule;
        if (suite.runWithResults) {
          const r = await suite.runWithResults({ onTest: (t) => write({ type: 'test', test: t }) });
          write({ type: 'end', passed: r.passed, failed: r.failed, pending: r.pending, durationMs: r.durationMs });
        } else if (suite.run) {
          await suite.run();
          write({ type: 'end', passed: -1, failed: 0, pending: 0 });
        } else {
          throw new Error(`${suitePath} exports neither run() nor runWithResults()`);
        }
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        write({ type: 'error', message: e.message, stack: e.stack });
      }
    })();
  }, 0);
}

export function deactivate(): void {}
