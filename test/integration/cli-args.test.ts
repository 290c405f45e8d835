// The CLI's one argument layer: every command answers --help with its usage (exit 0), and reports a flag
// it does not take as "<command>: <problem>" followed by its usage (exit 2).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const cli = (args: string[]) =>
  spawnSync(process.execPath, ['dist/cli.js', ...args], { encoding: 'utf8', timeout: 20_000 });

/** The commands `archon-mcp-doctor --help` lists. */
function commands(): string[] {
  const help = cli(['--help']);
  assert.equal(help.status, 0);
  const list = help.stdout.split('commands:\n')[1]?.split('\n\n')[0] ?? '';
  return list
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .filter(Boolean);
}

test('every command takes --help and -h: its usage, exit 0', () => {
  const names = commands();
  assert.ok(names.length >= 6, `commands listed: ${names.join(', ')}`);
  for (const name of names) {
    for (const flag of ['--help', '-h']) {
      const r = cli([name, flag]);
      assert.equal(r.status, 0, `${name} ${flag}: ${r.stderr}`);
      assert.match(
        r.stdout + r.stderr,
        new RegExp(`usage: archon-mcp-doctor ${name}`),
        `${name} ${flag} prints its usage`,
      );
    }
  }
});

test('every command reports a flag it does not take the same way: "<command>: …", the usage, exit 2', () => {
  for (const name of commands()) {
    // docker-gateway's first word is its action.
    const args = name === 'docker-gateway' ? [name, 'status', '--no-such-flag'] : [name, '--no-such-flag'];
    const r = cli(args);
    assert.equal(r.status, 2, `${name}: exit ${r.status}, stderr ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^${name}: .*--no-such-flag`, 'm'), `${name} names the flag after its own name`);
    assert.match(r.stderr, new RegExp(`usage: archon-mcp-doctor ${name}`), `${name} prints its usage`);
    assert.doesNotMatch(
      r.stderr,
      /To specify a positional argument/,
      "Node's advice about positionals is not ours to give",
    );
  }
});

test('--help after "--" belongs to the wrapped command, not ours', () => {
  // `stdio --upstream` with a bad URL fails on the URL: the --help after -- was not taken as a request for help.
  const r = cli(['status', '--port', '1', '--', '--help']);
  assert.notEqual(r.status, 0);
});
