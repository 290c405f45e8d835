// Drives the code-server workbench the way a person does: the command palette, quick picks, the
// status bar item, the output panel, screenshots. Shared by the UI tests in this folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { FIXTURE_BUNDLE } from '../helpers/servers';
import {
  REPO_ROOT,
  extensionId,
  findTools,
  findVsix,
  missingMessage,
  staleVsixWarning,
  type Tools,
} from '../vscode/code-server';

/**
 * What a UI test needs (code-server, Node 24, Chromium, the .vsix, the fixture bundle), found once:
 * `gate` says what is missing and whether that fails (CI=true) or skips the test.
 */
export function uiTestParts(): { tools: Tools; vsix?: string; gate?: { fail: boolean; message: string } } {
  const { tools, missing } = findTools();
  const vsix = findVsix();
  if (!vsix) missing.push('the extension package (run `npm run package`)');
  if (!fs.existsSync(FIXTURE_BUNDLE))
    missing.push(`the fixture bundle ${path.relative(REPO_ROOT, FIXTURE_BUNDLE)} (run \`npm run build\`)`);
  const gate = missing.length ? missingMessage(missing) : undefined;
  if (gate && !gate.fail) console.log(`# ${gate.message}`);
  const stale = vsix ? staleVsixWarning(vsix) : undefined;
  if (stale) console.log(`# ${stale}`);
  return { tools, vsix, gate };
}

export interface Driver {
  /** A numbered screenshot in the shots folder; returns its path. */
  screenshot(name: string): Promise<string>;
  /** The status bar item: its DOM id is `<publisher>.<name>.<id given to createStatusBarItem>`. */
  statusItem(): Locator;
  /** F1, the command's title, Enter; `keepOpen` for commands that show a quick pick of their own. */
  runCommand(title: string, opts?: { keepOpen?: boolean }): Promise<void>;
  /** A row of the open quick pick, by its text. */
  pickRow(text: string | RegExp): Locator;
  /** The text of the output panel's editor (the channel shown now), with Monaco's spaces made plain. */
  outputText(): Promise<string>;
  /** Polls `check` until it returns a truthy value; on timeout, a screenshot and an error naming `what`. */
  waitUntil<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs?: number): Promise<T>;
}

/** `prefix` starts each screenshot's file name (e.g. `every-`: every-01-….png). */
export function createDriver(page: Page, shotsDir: string, prefix = ''): Driver {
  let shot = 0;
  const d: Driver = {
    async screenshot(name) {
      const file = path.join(shotsDir, `${prefix}${String(++shot).padStart(2, '0')}-${name}.png`);
      await page.screenshot({ path: file });
      return file;
    },
    statusItem: () => page.locator(`[id="${extensionId()}.status"]`),
    async runCommand(title, opts = {}) {
      // Escape, not a click, to leave whatever has focus: a click into the editor area can land on a
      // walkthrough step's button. F1 is a global keybinding.
      await page.keyboard.press('Escape');
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget .quick-input-box input');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill(`>${title}`);
      // Enter acts on the focused row, which under load can still be a recently used command.
      const row = page.locator('.quick-input-widget .monaco-list-row.focused', { hasText: title }).first();
      await row.waitFor({ state: 'visible', timeout: 10_000 });
      await input.press('Enter');
      if (!opts.keepOpen) await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
    },
    pickRow: (text) => page.locator('.quick-input-widget .monaco-list-row', { hasText: text }).first(),
    outputText: async () =>
      (
        await page
          .locator('.part.panel .view-lines')
          .first()
          .innerText()
          .catch(() => '')
      ).replace(/\u00a0/g, ' '),
    async waitUntil(what, check, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const v = await check().catch(() => undefined);
        if (v) return v;
        if (Date.now() > deadline) {
          const file = path.join(shotsDir, `${prefix}timeout-${what.replace(/\W+/g, '-').slice(0, 60)}.png`);
          await page.screenshot({ path: file }).catch(() => undefined);
          throw new Error(
            `timed out after ${timeoutMs} ms waiting for ${what} (screenshot ${path.relative(REPO_ROOT, file)})`,
          );
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    },
  };
  return d;
}
