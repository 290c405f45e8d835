// The preview of an edit: a unified diff of the file, as `git diff` would show it.
import { createTwoFilesPatch } from 'diff';
import type { FileEdit } from './plan';

export function editDiff(edit: Pick<FileEdit, 'file' | 'after'> & { read: { text: string } }): string {
  return createTwoFilesPatch(edit.file, edit.file, edit.read.text, edit.after, 'now', 'routed through the gateway', { context: 3 });
}
