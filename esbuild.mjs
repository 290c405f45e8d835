// Bundles the extension (with its lazily loaded parts), the CLI and the test fixture servers into CommonJS files.
// `--production` minifies (for the .vsix); otherwise source maps are written for development.
import * as esbuild from 'esbuild';
import { existsSync, rmSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/**
 * dockerode bundles BuildKit (gRPC, protobuf) and docker-modem bundles ssh2: about 750 KB that the
 * extension never runs (it builds no images and talks to a local socket). Those modules are replaced
 * by stubs that explain themselves if they are ever reached.
 */
const unusedDockerParts = {
  name: 'unused-docker-parts',
  setup(build) {
    const stubs = {
      ssh2: "exports.Client = function () { throw new Error('DOCKER_HOST=ssh://… is not supported by Archon MCP Doctor; forward the remote socket (ssh -L) and use unix:// or tcp://'); };",
      session: "module.exports = function () { throw new Error('BuildKit sessions are not part of this build'); };",
      buildkit: 'module.exports = {};',
      // docker-modem's DEBUG=modem tracing: never switched on in the extension (7 KB).
      debug: 'module.exports = function () { const log = function () {}; log.enabled = false; return log; };',
    };
    build.onResolve({ filter: /^ssh2$/ }, () => ({ path: 'ssh2', namespace: 'stub' }));
    build.onResolve({ filter: /^debug$/ }, (args) =>
      /[\\/]docker-modem[\\/]/.test(args.importer) ? { path: 'debug', namespace: 'stub' } : undefined,
    );
    build.onResolve({ filter: /^\.\/(session|buildkit)$/ }, (args) =>
      /[\\/]dockerode[\\/]/.test(args.importer) ? { path: args.path.slice(2), namespace: 'stub' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'stub' }, (args) => ({ contents: stubs[args.path], loader: 'js' }));
  },
};

/** The TOML library stays in its own file beside the extension bundle, loaded only when a Codex config is read. */
const tomlLibApart = {
  name: 'toml-lib-apart',
  setup(build) {
    build.onResolve({ filter: /^\.\/toml-lib$/ }, () => ({ path: './toml-lib.js', external: true }));
  },
};

/**
 * The gateway's modern (2026-07-28) front carries the v2 server package (~330 KB minified): in its own
 * file beside the extension bundle, loaded when a gateway endpoint sees its first POST.
 */
const modernFrontApart = {
  name: 'modern-front-apart',
  setup(build) {
    build.onResolve({ filter: /^\.\/front$/ }, (args) =>
      /[\\/]gateway[\\/]modern[\\/]load\.ts$/.test(args.importer)
        ? { path: './modern-front.js', external: true }
        : undefined,
    );
  },
};

/** The v2 SDK's server transports stay in their own file beside the extension bundle, loaded when the gateway first serves a client. */
const mcpServerLibApart = {
  name: 'mcp-server-lib-apart',
  setup(build) {
    build.onResolve({ filter: /^\.\/mcp-server-lib$/ }, () => ({ path: './mcp-server-lib.js', external: true }));
  },
};

/** prom-client (GET /metrics) stays in its own file beside the extension bundle, loaded on the first scrape. */
const metricsLibApart = {
  name: 'metrics-lib-apart',
  setup(build) {
    build.onResolve({ filter: /^\.\/metrics-lib$/ }, () => ({ path: './metrics-lib.js', external: true }));
  },
};

/**
 * @modelcontextprotocol/server's platform shim brings its own copy of Ajv (~150 KB) as the default JSON
 * Schema validator of its Server/McpServer classes; our code uses only its transports, which never
 * validate a schema. The stub says so if it is ever reached. (Test fixture servers keep the real one.)
 */
const noServerSchemaValidator = {
  name: 'no-server-schema-validator',
  setup(build) {
    build.onResolve({ filter: /^@modelcontextprotocol\/server\/_shims$/ }, () => ({
      path: 'server-shims',
      namespace: 'sdk-stub',
    }));
    build.onLoad({ filter: /^server-shims$/, namespace: 'sdk-stub' }, () => ({
      contents:
        "export { default as process } from 'node:process';\nexport class DefaultJsonSchemaValidator { constructor() { throw new Error('The MCP server JSON Schema validator is not part of this build: Archon MCP Doctor uses only the SDK server transports'); } }",
      loader: 'js',
      resolveDir: process.cwd(),
    }));
  },
};

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
  external: ['vscode'],
  // jsonc-parser's UMD build require()s its parts at run time, which a bundle cannot follow: use its ES build.
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
  plugins: [unusedDockerParts],
};

// Start clean so a production build leaves no stale source maps behind.
rmSync('dist', { recursive: true, force: true });

const builds = [
  // The extension loads the TOML library from its own file; the CLI stays one self-contained file.
  {
    entryPoints: ['src/vscode/extension.ts'],
    outfile: 'dist/extension.js',
    plugins: [
      unusedDockerParts,
      tomlLibApart,
      modernFrontApart,
      mcpServerLibApart,
      metricsLibApart,
      noServerSchemaValidator,
    ],
  },
  // src/cli.ts starts with `#!/usr/bin/env node`, which esbuild keeps: dist/cli.js is the npm package's bin.
  // Not noServerSchemaValidator: the CLI carries the modern front, whose per-request Server needs it.
  { entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js', plugins: [unusedDockerParts] },
  { entryPoints: ['src/core/clients/toml-lib.ts'], outfile: 'dist/toml-lib.js' },
  { entryPoints: ['src/core/gateway/modern/front.ts'], outfile: 'dist/modern-front.js' },
  {
    entryPoints: ['src/core/gateway/mcp-server-lib.ts'],
    outfile: 'dist/mcp-server-lib.js',
    plugins: [noServerSchemaValidator],
  },
  { entryPoints: ['src/core/gateway/metrics-lib.ts'], outfile: 'dist/metrics-lib.js' },
];
// Fixture servers used by tests, benchmarks and the Docker test image.
for (const name of ['archon-like-server', 'modern-server']) {
  const entry = `test/fixtures/${name}.ts`;
  if (existsSync(entry)) builds.push({ entryPoints: [entry], outfile: `test/fixtures/dist/${name}.js`, minify: false });
}

if (watch) {
  for (const b of builds) await (await esbuild.context({ ...common, ...b })).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build({ ...common, ...b })));
}
