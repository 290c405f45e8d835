// Healing decisions shared by the gateway, the stdio bridge and the stdio supervisor: pure policy.
export * from './forward-policy';
export * from './repeat-policy';
export { KNOWN_SERVERS, type KnownServer } from './known-servers';
export { ToolKnowledge, toolNameOf, type ToolVerdictRow } from './tool-knowledge';
export { firstMatch, parseGlobList } from './glob';
