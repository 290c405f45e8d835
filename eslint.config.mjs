// ESLint (flat config) with typescript-eslint. The one architectural rule: nothing under src/core/
// imports VS Code — the core runs in plain Node (tests, the CLI, the Docker gateway).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'out/', 'node_modules/', 'test/fixtures/dist/', '.vscode-test/', 'test-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-empty': ['error', { allowEmptyCatch: true }],
      // `let x; … () => x …; x = make()` is how a callback refers to what is made after it.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'src/core/ knows nothing of VS Code: put VS Code code in src/vscode/.' }],
        patterns: [{ group: ['**/vscode/*'], message: 'src/core/ must not import from the VS Code layer.' }],
      }],
    },
  },
  {
    files: ['src/cli/**/*.ts', 'src/cli.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'The CLI runs without VS Code.' }],
        patterns: [{ group: ['**/vscode/*'], message: 'The CLI must not import from the VS Code layer.' }],
      }],
    },
  },
  {
    // Tests, benchmarks and scripts print their results.
    files: ['test/**', 'bench/**', 'scripts/**', '*.mjs'],
    rules: { 'no-console': 'off' },
  },
);
