// Entry point of the extension-host test suite: a normal @vscode/test-electron suite.
//
// - @vscode/test-electron (`extensionTestsPath` = out/test/vscode/suite/index.js) calls `run()`.
// - In code-server, the test-harness extension (test/vscode/harness) calls `runWithResults()` to
//   get per-test results as they happen; see scripts/run-vscode-tests.mjs.
//
// The suite is bundled by scripts/build-vscode-tests.mjs: this file (with mocha inside) and every
// `*.test.ts` next to it become one CommonJS file each in out/test/vscode/suite/.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export interface TestRecord {
  state: 'passed' | 'failed' | 'pending';
  title: string;
  fullTitle: string;
  file?: string;
  durationMs?: number;
  error?: { message: string; stack?: string };
}

export interface SuiteResult {
  passed: number;
  failed: number;
  pending: number;
  durationMs: number;
  tests: TestRecord[];
}

export interface RunOptions {
  /** Called for each finished test (and each failed hook) as it happens. */
  onTest?: (test: TestRecord) => void;
  /** Only run tests whose full title matches (default: env ARCHON_VSCODE_TEST_GREP). */
  grep?: string;
}

/** Test files bundled next to this one. */
export function testFiles(dir: string = __dirname): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.test.js'))
    .sort()
    .map((f) => path.join(dir, f));
}

export function runWithResults(options: RunOptions = {}): Promise<SuiteResult> {
  const grep = options.grep ?? process.env.ARCHON_VSCODE_TEST_GREP;
  const mocha = new Mocha({
    ui: 'tdd',
    color: false,
    timeout: Number(process.env.ARCHON_VSCODE_TEST_TIMEOUT_MS ?? 60_000),
    ...(grep ? { grep } : {}),
  });
  for (const file of testFiles()) mocha.addFile(file);

  const started = Date.now();
  const tests: TestRecord[] = [];
  const record = (t: TestRecord) => {
    tests.push(t);
    try {
      options.onTest?.(t);
    } catch {
      /* a reporting problem must not break the run */
    }
  };
  const base = (t: Mocha.Runnable) => ({
    title: t.title,
    fullTitle: t.fullTitle(),
    file: t.file ? path.basename(t.file) : undefined,
    durationMs: t.duration,
  });

  return new Promise<SuiteResult>((resolve, reject) => {
    try {
      const runner = mocha.run(() => {
        const count = (s: TestRecord['state']) => tests.filter((t) => t.state === s).length;
        resolve({
          passed: count('passed'),
          failed: count('failed'),
          pending: count('pending'),
          durationMs: Date.now() - started,
          tests,
        });
      });
      runner.on('pass', (t) => record({ state: 'passed', ...base(t) }));
      runner.on('pending', (t) => record({ state: 'pending', ...base(t) }));
      runner.on('fail', (t, err: unknown) => {
        const e = err instanceof Error ? err : new Error(String(err));
        record({ state: 'failed', ...base(t), error: { message: e.message, stack: e.stack } });
      });
    } catch (err) {
      reject(err);
    }
  });
}

/** The @vscode/test-electron entry point. */
export async function run(): Promise<void> {
  const result = await runWithResults({
    onTest: (t) =>
      console.log(
        `${t.state === 'passed' ? 'ok' : t.state === 'pending' ? 'skip' : 'not ok'} - ${t.fullTitle}` +
          (t.error ? `\n  ${t.error.stack ?? t.error.message}` : ''),
      ),
  });
  console.log(`${result.passed} passed, ${result.failed} failed, ${result.pending} skipped`);
  if (result.failed > 0) throw new Error(`${result.failed} test(s) failed.`);
}
