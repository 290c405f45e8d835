// The architecture rule is enforced by ESLint: prove it fires, so a broken config cannot pass silently.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { resolve } from 'node:path';
import { ESLint } from 'eslint';

const root = resolve(__dirname, '../..');
const eslint = new ESLint({ cwd: root });

async function restrictedImports(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(root, filePath) });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

test('src/core/ may not import vscode', async () => {
  const messages = await restrictedImports("import * as vscode from 'vscode';\nexport const x = vscode;\n", 'src/core/example.ts');
  assert.equal(messages.length, 1);
  assert.match(messages[0], /knows nothing of VS Code/);
});

test('src/core/ may not import from the VS Code layer', async () => {
  const messages = await restrictedImports("import { x } from '../vscode/context';\nexport const y = x;\n", 'src/core/example.ts');
  assert.equal(messages.length, 1);
});

test('the CLI may not import from the VS Code layer', async () => {
  const messages = await restrictedImports("import { x } from '../vscode/context';\nexport const y = x;\n", 'src/cli/example.ts');
  assert.equal(messages.length, 1);
});

test('the VS Code layer may import vscode and the core', async () => {
  const messages = await restrictedImports("import * as vscode from 'vscode';\nimport { y } from '../core/types';\nexport const x = [vscode, y];\n", 'src/vscode/example.ts');
  assert.deepEqual(messages, []);
});
