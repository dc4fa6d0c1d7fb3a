// The words an incident is described in: the one list of each, for intake, the notices that
// label them in every language, and the reports.

export const INCIDENT_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type IncidentSeverity = (typeof INCIDENT_SEVERITIES)[number];

export const INCIDENT_PHASES = [
  'detection',
  'containment',
  'eradication',
  'recovery',
  'resolved',
] as const;
export type IncidentPhase = (typeof INCIDENT_PHASES)[number];

export const DATA_CATEGORIES = [
  'none',
  'personal',
  'special-category',
  'phi',
  'financial',
  'credentials',
  'customer-content',
] as const;
export type DataCategory = (typeof DATA_CATEGORIES)[number];
