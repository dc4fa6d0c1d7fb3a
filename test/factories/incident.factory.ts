import { randomBytes } from 'node:crypto';
import { HOUR_MS } from '../support/clock.js';

/**
 * A valid "notify affected tenants" body; override what the test is about. Aware an hour ago and
 * begun ten hours before that, on the process clock, so that every deadline is still ahead
 * whatever today's date (a test about a past deadline sets awareAt itself).
 */
export function incidentBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const awareAt = Math.floor((Date.now() - HOUR_MS) / 1000) * 1000;
  return {
    externalId: `INC-${randomBytes(4).toString('hex')}`,
    title: 'Unauthorized access to mail storage',
    severity: 'high',
    phase: 'eradication',
    awareAt: new Date(awareAt).toISOString(),
    occurredAt: new Date(awareAt - 10 * HOUR_MS).toISOString(),
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
