// The incident journal: what happened to each server while nobody watched, kept in the state folder.
// No VS Code imports. See docs/incidents.md.
export { INCIDENT_CALL_KINDS, INCIDENT_HEAL_KINDS, INCIDENT_OBSERVERS, allHealed, noCalls } from './incident';
export type { IncidentCalls, IncidentHealKind, IncidentObserver, IncidentRecord } from './incident';
export {
  INCIDENT_FILE,
  INCIDENT_MAX_AGE_MS,
  MAX_INCIDENTS,
  IncidentJournal,
  boundIncidents,
  invalidIncident,
  isIncidentRecord,
  readJournal,
  type JournalReadResult,
} from './journal';
export { gatewayEventEffect, transitionEffect, type GatewayEventInput, type IncidentEffect } from './effects';
export {
  ADOPT_WITHIN_MS,
  INCIDENT_QUIET_MS,
  IncidentRecorder,
  type IncidentRecorderOptions,
  type IncidentSink,
} from './recorder';
export {
  awaySummary,
  callsSummary,
  combineOverlapping,
  formatDuration,
  incidentLine,
  mergeIncidents,
  parseDuration,
  type AwaySummary,
  type IncidentFilter,
} from './incident-text';
export {
  CAUSE_COLOURS,
  incidentTooltip,
  timelineCss,
  timelineLegend,
  timelineSvg,
  type TimelineOptions,
} from './timeline-svg';
