// Bundles the extension-host test suite and the code-server test harness with esbuild.
//
//   node scripts/build-vscode-tests.mjs
//
// out/test/vscode/suite/index.js      the suite entry (run(), runWithResults()), mocha bundled in
// out/test/vscode/suite/*.test.js     one file per test/vscode/suite/*.test.ts
// out/test/vscode/harness/            the test-harness extension (extension.js + package.json)
// out/test/vscode/code-server.js      helpers of scripts/run-vscode-tests.mjs (start code-server, open Chromium)
//
// The same files serve @vscode/test-electron (.vscode-test.mjs) and code-server
// (scripts/run-vscode-tests.mjs).
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'out/test/vscode');
const suiteDir = join(root, 'test/vscode/suite');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'inline',
  sourcesContent: false,
  logLevel: 'error',
  legalComments: 'none',
  absWorkingDir: root,
  external: ['vscode', 'cpu-features', '*.node'],
};

export async function buildVscodeTests() {
  rmSync(out, { recursive: true, force: true });
  const tests = readdirSync(suiteDir).filter((f) => f.endsWith('.test.ts'));
  await Promise.all([
    esbuild.build({ ...common, entryPoints: [join(suiteDir, 'index.ts')], outfile: join(out, 'suite/index.js') }),
    ...tests.map((f) =>
      esbuild.build({
        ...common,
        entryPoints: [join(suiteDir, f)],
        outfile: join(out, 'suite', f.replace(/\.ts$/, '.js')),
      }),
    ),
    // The runner's helpers (also imported as TypeScript by test/ui/*.test.ts).
    esbuild.build({
      ...common,
      entryPoints: [join(root, 'test/vscode/code-server.ts')],
      outfile: join(out, 'code-server.js'),
      external: [...common.external, 'playwright-core'],
    }),
    esbuild.build({
      ...common,
      entryPoints: [join(root, 'test/vscode/harness/extension.ts')],
      outfile: join(out, 'harness/extension.js'),
    }),
  ]);
  mkdirSync(join(out, 'harness'), { recursive: true });
  copyFileSync(join(root, 'test/vscode/harness/package.json'), join(out, 'harness/package.json'));
  return { out, tests: tests.length };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t = Date.now();
  const { tests } = await buildVscodeTests();
  console.log(
    `built the VS Code test suite (${tests} test files) and harness into out/test/vscode in ${Date.now() - t} ms`,
  );
}
