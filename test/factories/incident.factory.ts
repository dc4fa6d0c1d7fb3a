import { randomBytes } from 'node:crypto';

/** A valid "notify affected tenants" body; override what the test is about. */
export function incidentBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    externalId: `INC-${randomBytes(4).toString('hex')}`,
    title: 'Unauthorized access to mail storage',
    severity: 'high',
    phase: 'eradication',
    awareAt: '2026-11-27T08:00:00Z',
    occurredAt: '2026-11-26T22:00:00Z',
    description: 'An attacker used a stolen support credential to read mailbox metadata.',
    dataImpact: {
      categories: ['personal'],
      description: 'Sender and recipient addresses of some messages.',
    },
    actionsTaken: ['Revoked the credential', 'Rotated support access tokens'],
    suggestedActions: ['Review mailbox audit logs for the period'],
    scope: { services: ['mail'] },
    ...overrides,
  };
}
