import { itAllowsExactly } from '../../support/lifecycle.js';
import {
  checkIncidentTransition,
  checkPhaseChange,
  INCIDENT_PHASES,
  INCIDENT_STATUSES,
} from '../../../src/incidents/domain/incident-status.js';

describe('incident status machine', () => {
  itAllowsExactly(
    'incident',
    {
      actual: INCIDENT_STATUSES,
      expected: ['resolving', 'awaiting-review', 'delivering', 'delivered'],
    },
    [
      'resolving -> awaiting-review',
      'resolving -> delivering',
      'awaiting-review -> resolving',
      'awaiting-review -> delivering',
      'delivering -> resolving',
      'delivering -> delivered',
      'delivered -> resolving',
      'delivered -> delivering',
    ],
    checkIncidentTransition,
  );
});

describe('incident phase', () => {
  // Written out: the order under test is INCIDENT_PHASES', so the spec must not read it from there.
  const ORDER = ['detection', 'containment', 'eradication', 'recovery', 'resolved'] as const;

  it('should have exactly these phases in this order', () => {
    expect(INCIDENT_PHASES).toEqual(ORDER);
  });

  const pairs = ORDER.flatMap((from, i) => ORDER.map((to, j) => [from, to, j >= i] as const));
  it.each(pairs)(
    'should allow %s -> %s only forward or same (forward: %s)',
    (from, to, forward) => {
      expect(checkPhaseChange(from, to).allowed).toBe(forward);
    },
  );
});
