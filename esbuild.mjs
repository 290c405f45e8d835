// Bundles the extension, the CLI and the test fixture servers into single CommonJS files.
// `--production` minifies (for the .vsix); otherwise source maps are written for development.
import * as esbuild from 'esbuild';
import { existsSync, rmSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'warning',
  legalComments: 'none',
  // ssh2 (pulled in by dockerode for ssh:// hosts) loads optional native addons inside try/catch.
  external: ['vscode', 'cpu-features', '*.node'],
};

// Start clean so a production build leaves no stale source maps behind.
rmSync('dist', { recursive: true, force: true });

const builds = [
  { entryPoints: ['src/vscode/extension.ts'], outfile: 'dist/extension.js' },
  { entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js' },
];
// Fixture servers used by tests, benchmarks and the Docker test image.
for (const name of ['archon-like-server']) {
  const entry = `test/fixtures/${name}.ts`;
  if (existsSync(entry)) builds.push({ entryPoints: [entry], outfile: `test/fixtures/dist/${name}.js`, minify: false });
}

if (watch) {
  for (const b of builds) await (await esbuild.context({ ...common, ...b })).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build({ ...common, ...b })));
}
