// The "Archon MCP" log channel as the core's Logger. Messages reaching here are already redacted.
import * as vscode from 'vscode';
import type { Logger } from '../core/logger';
import { redactText } from '../core/redact';

const KEPT_LINES = 1000;

export interface Output {
  channel: vscode.LogOutputChannel;
  logger: Logger;
  /** The last lines written (bounded): the channel's text cannot be read back through the API. */
  recentLines(): string[];
}

export function createOutput(): Output {
  const channel = vscode.window.createOutputChannel('Archon MCP', { log: true });
  const recent: string[] = [];
  const write = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string) => {
    // Last line of defence: even a message built carelessly never carries a bearer token.
    const line = redactText(message);
    recent.push(`[${level}] ${line}`);
    if (recent.length > KEPT_LINES) recent.splice(0, recent.length - KEPT_LINES);
    channel[level](line);
  };
  const logger: Logger = { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
  return { channel, logger, recentLines: () => [...recent] };
}
