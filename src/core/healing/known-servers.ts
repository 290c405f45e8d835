// Built-in knowledge of servers whose tools carry no annotations: which of their tools may run twice.
// Data only. A server is recognized by the name it gives in `initialize` (serverInfo.name) and, once its
// tool list is known, by having the tools named here; never by the label the user gave it.

export interface KnownServer {
  /** Shown in explanations: "known server: Archon". */
  readonly label: string;
  /** serverInfo.name values this server answers with. */
  readonly serverNames: readonly string[];
  /** Tools whose presence confirms it is this server (when the tool list is known). */
  readonly signatureTools: readonly string[];
  /** Globs of tools that only read (safe to run twice). */
  readonly repeat: readonly string[];
  /** Globs of tools that write (never run twice). */
  readonly never: readonly string[];
  /** Where the classification comes from. */
  readonly source: string;
}

export const KNOWN_SERVERS: readonly KnownServer[] = [
  {
    label: 'Archon',
    serverNames: ['archon-mcp-server'],
    signatureTools: ['health_check', 'find_tasks', 'manage_task'],
    repeat: ['health_check', 'session_info', 'rag_*', 'find_*', 'get_project_features'],
    never: ['manage_*'],
    source:
      "Archon's MCP server (coleam00/Archon, branch archive/v1-task-management-rag, python/src/mcp_server): " +
      'every tool is a bare @mcp.tool(); rag_* and find_* only query its API service, manage_* create, update and delete.',
  },
];
