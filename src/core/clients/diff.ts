// The preview of an edit: a unified diff of the file, as `git diff` would show it.
import { createTwoFilesPatch } from 'diff';
import { redactText } from '../redact';
import type { FileEdit } from './plan';

/** The diff as printed on a terminal: tokens in the surrounding lines (headers, env) hidden. */
export function editDiff(edit: Pick<FileEdit, 'file' | 'after'> & { read: { text: string } }): string {
  return textDiff(edit.file, edit.read.text, edit.after, 'now', 'routed through the gateway');
}

export function textDiff(file: string, before: string, after: string, beforeLabel: string, afterLabel: string): string {
  return redactText(createTwoFilesPatch(file, file, before, after, beforeLabel, afterLabel, { context: 3 }));
}
