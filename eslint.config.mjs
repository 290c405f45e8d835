// ESLint (flat config) with typescript-eslint. The architectural rules: nothing under src/core/
// imports VS Code — the core runs in plain Node (tests, the CLI, the Docker gateway) — and nothing
// under src/ imports the v1 MCP SDK (tests, benches and fixtures may: it is a client users have).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** src/ speaks MCP through the v2 packages only. */
const noV1Sdk = {
  group: ['@modelcontextprotocol/sdk', '@modelcontextprotocol/sdk/*'],
  message:
    'src/ uses the v2 MCP SDK: @modelcontextprotocol/client, /server or /node (the v1 package is for tests and fixtures only).',
};

export default tseslint.config(
  { ignores: ['dist/', 'out/', 'node_modules/', 'test/fixtures/dist/', '.vscode-test/', 'test-results/', '.cache/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-empty': ['error', { allowEmptyCatch: true }],
      // `let x; … () => x …; x = make()` is how a callback refers to what is made after it.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noV1Sdk] }] },
  },
  {
    // These blocks replace the one above for their files, so each repeats the v1 SDK pattern.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'src/core/ knows nothing of VS Code: put VS Code code in src/vscode/.' }],
          patterns: [{ group: ['**/vscode/*'], message: 'src/core/ must not import from the VS Code layer.' }, noV1Sdk],
        },
      ],
    },
  },
  {
    files: ['src/cli/**/*.ts', 'src/cli.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'The CLI runs without VS Code.' }],
          patterns: [{ group: ['**/vscode/*'], message: 'The CLI must not import from the VS Code layer.' }, noV1Sdk],
        },
      ],
    },
  },
  {
    // Tests, benchmarks and scripts print their results.
    files: ['test/**', 'bench/**', 'scripts/**', '*.mjs'],
    rules: { 'no-console': 'off' },
  },
  {
    // CommonJS config files (dependency-cruiser's) load what they need with require().
    files: ['*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
