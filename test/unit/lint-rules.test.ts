// The architecture rule is enforced by ESLint: prove it fires, so a broken config cannot pass silently.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ESLint } from 'eslint';

const root = resolve(__dirname, '../..');
const eslint = new ESLint({ cwd: root });

async function restrictedImports(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(root, filePath) });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

test('src/core/ may not import vscode', async () => {
  const messages = await restrictedImports(
    "import * as vscode from 'vscode';\nexport const x = vscode;\n",
    'src/core/example.ts',
  );
  assert.equal(messages.length, 1);
  assert.match(messages[0], /knows nothing of VS Code/);
});

test('src/core/ may not import from the VS Code layer', async () => {
  const messages = await restrictedImports(
    "import { x } from '../vscode/context';\nexport const y = x;\n",
    'src/core/example.ts',
  );
  assert.equal(messages.length, 1);
});

test('the CLI may not import from the VS Code layer', async () => {
  const messages = await restrictedImports(
    "import { x } from '../vscode/context';\nexport const y = x;\n",
    'src/cli/example.ts',
  );
  assert.equal(messages.length, 1);
});

test('the VS Code layer may import vscode and the core', async () => {
  const messages = await restrictedImports(
    "import * as vscode from 'vscode';\nimport { y } from '../core/types';\nexport const x = [vscode, y];\n",
    'src/vscode/example.ts',
  );
  assert.deepEqual(messages, []);
});

interface Violation {
  rule: { name: string };
  from: string;
}

/** Runs the project's dependency-cruiser rules over probe files written to a scratch folder in src/. */
async function cruiseProbe(files: Record<string, string>): Promise<Violation[]> {
  const { cruise } = await import('dependency-cruiser');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const config = require(resolve(root, '.dependency-cruiser.cjs')) as {
    forbidden: unknown[];
    options: Record<string, unknown>;
  };
  const dir = mkdtempSync(join(root, 'src', '.probe-'));
  try {
    for (const [name, code] of Object.entries(files)) writeFileSync(join(dir, name), code);
    const result = await cruise([relative(root, dir)], {
      ...config.options,
      validate: true,
      ruleSet: { forbidden: config.forbidden },
    } as never);
    const output = typeof result.output === 'string' ? JSON.parse(result.output) : result.output;
    return (output as { summary: { violations: Violation[] } }).summary.violations;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('src/ has no import cycles, type-only imports included (dependency-cruiser, npm run lint)', async () => {
  const violations = await cruiseProbe({
    'a.ts': "import type { B } from './b';\nexport interface A { b?: B }\n",
    'b.ts': "import type { A } from './a';\nexport interface B { a?: A }\n",
    'c.ts': "import type { A } from './a';\nexport type C = A;\n",
  });
  assert.ok(
    violations.some((v) => v.rule.name === 'no-cycles' && /a\.ts$/.test(v.from)),
    'a type-only cycle is reported',
  );
  assert.ok(!violations.some((v) => /c\.ts$/.test(v.from)), 'an import into a cycle from outside it is not');
});

test('a folder of src/core is imported through its index.ts from outside it (dependency-cruiser, npm run lint)', async () => {
  const violations = await cruiseProbe({
    'around.ts':
      "import type { GatewayCounters } from '../core/gateway/gateway-api';\nexport type X = GatewayCounters;\n",
    'through.ts': "import type { GatewayCounters } from '../core/gateway';\nexport type Y = GatewayCounters;\n",
  });
  assert.ok(
    violations.some((v) => v.rule.name === 'through-index' && /around\.ts$/.test(v.from)),
    'an import around the index is reported',
  );
  assert.ok(!violations.some((v) => /through\.ts$/.test(v.from)), 'an import through the index is not');
});
