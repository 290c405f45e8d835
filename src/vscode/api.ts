// What activate() returns: read-only views of the extension's state, for other extensions and for the
// extension-host tests (the VS Code API cannot read another extension's status item, tree or log).
import type { ServerSnapshot } from '../core/server-state';
import type { DoctorContext } from './context';
import type { Node } from './tree';

export interface TreeNodeView {
  label: string;
  description?: string;
  children?: TreeNodeView[];
}

export interface ArchonMcpApi {
  servers(): ServerSnapshot[];
  statusBar(): { text: string; tooltip?: string; backgroundColor?: string };
  tree(): TreeNodeView[];
  logLines(): string[];
}

export function createApi(ctx: DoctorContext): ArchonMcpApi {
  const walk = (node?: Node): TreeNodeView[] =>
    ctx.tree.getChildren(node).map((child) => {
      const item = ctx.tree.getTreeItem(child);
      const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
      return {
        label,
        description: typeof item.description === 'string' ? item.description : undefined,
        children: walk(child),
      };
    });
  return {
    servers: () => structuredClone(ctx.snapshots()),
    statusBar: () => ctx.statusBar.view(),
    tree: () => walk(),
    logLines: () => ctx.output.recentLines(),
  };
}
