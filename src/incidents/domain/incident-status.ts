import {
  assertTransition,
  checkTransition,
  TransitionCheck,
  TransitionTable,
} from '../../common/domain/transition-table.js';

import { INCIDENT_PHASES, type IncidentPhase } from './incident-vocabulary.js';

export {
  INCIDENT_PHASES,
  INCIDENT_SEVERITIES,
  type IncidentPhase,
  type IncidentSeverity,
} from './incident-vocabulary.js';

export const INCIDENT_STATUSES = [
  'resolving',
  'awaiting-review',
  'delivering',
  'delivered',
] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

// resolving: affected tenants and deadlines are being worked out (again, after a wider scope);
// awaiting-review: drafts wait for the communications team; delivering: an approved notice is
// going out; delivered: every delivery of every approved notice has ended.
export const INCIDENT_TRANSITIONS: TransitionTable<IncidentStatus> = {
  resolving: ['awaiting-review', 'delivering'],
  'awaiting-review': ['resolving', 'delivering'],
  delivering: ['resolving', 'delivered'],
  delivered: ['resolving', 'delivering'],
};

export function checkIncidentTransition(from: IncidentStatus, to: IncidentStatus): TransitionCheck {
  return checkTransition(INCIDENT_TRANSITIONS, 'incident', from, to);
}

/** Throws a 409 naming the move when the table does not allow it. */
export function assertIncidentTransition(from: IncidentStatus, to: IncidentStatus): void {
  assertTransition(INCIDENT_TRANSITIONS, 'incident', from, to);
}

/** Phases move forward only; the same phase again is a no-op. */
export function checkPhaseChange(from: IncidentPhase, to: IncidentPhase): TransitionCheck {
  if (INCIDENT_PHASES.indexOf(to) >= INCIDENT_PHASES.indexOf(from)) return { allowed: true };
  return { allowed: false, reason: `the phase cannot go back from ${from} to ${to}` };
}
