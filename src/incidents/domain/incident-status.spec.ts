import {
  checkIncidentTransition,
  checkPhaseChange,
  INCIDENT_PHASES,
  INCIDENT_STATUSES,
  INCIDENT_TRANSITIONS,
} from './incident-status.js';

describe('incident status machine', () => {
  const pairs = INCIDENT_STATUSES.flatMap((from) =>
    INCIDENT_STATUSES.map((to) => [from, to] as const),
  );

  it.each(pairs)('should allow %s -> %s only when the table lists it', (from, to) => {
    const check = checkIncidentTransition(from, to);
    expect(check.allowed).toBe(INCIDENT_TRANSITIONS[from].includes(to));
    if (!check.allowed) expect(check.reason).toContain(`from ${from} to ${to}`);
  });

  it('should never allow staying in resolving by transition', () => {
    expect(checkIncidentTransition('resolving', 'resolving').allowed).toBe(false);
  });
});

describe('incident phase', () => {
  const pairs = INCIDENT_PHASES.flatMap((from) => INCIDENT_PHASES.map((to) => [from, to] as const));
  it.each(pairs)('should allow %s -> %s only forward or same', (from, to) => {
    expect(checkPhaseChange(from, to).allowed).toBe(
      INCIDENT_PHASES.indexOf(to) >= INCIDENT_PHASES.indexOf(from),
    );
  });
});
