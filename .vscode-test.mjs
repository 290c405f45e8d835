// @vscode/test-cli configuration (`vscode-test`, i.e. `npm run test:vscode`): runs the extension-host
// suite in desktop VS Code downloaded by @vscode/test-electron, against the minimum engine
// (engines.vscode ^1.101.0) and the current stable. Where VS Code cannot be downloaded (our CI
// machines), scripts/run-vscode-tests.mjs runs the same files inside code-server instead.
//
// The suite is bundled by scripts/build-vscode-tests.mjs; loading this config builds it, so the
// files below are always fresh. The extension itself must be built first (`npm run build`).
import { defineConfig } from '@vscode/test-cli';
import { buildVscodeTests } from './scripts/build-vscode-tests.mjs';

await buildVscodeTests();

const common = {
  files: 'out/test/vscode/suite/*.test.js',
  extensionDevelopmentPath: '.',
  // Only our extension: no other installed extensions in the test instance.
  launchArgs: ['--disable-extensions', '--disable-workspace-trust'],
  env: { ARCHON_VSCODE_TEST_HOST: 'test-electron' },
  mocha: { ui: 'tdd', timeout: 60_000, color: true },
};

export default defineConfig([
  { ...common, label: 'min-engine', version: '1.101.0' },
  { ...common, label: 'stable', version: 'stable' },
]);
