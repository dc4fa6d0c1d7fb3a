import type { AuditEventInput } from '../audit/audit.service.js';
import type { ClaimedDelivery, SentOutcome } from './delivery.repository.js';

/**
 * The delivery.sent event of a delivery. `from`: the status it left; null when the record was
 * created sent (a dashboard post its fan-out page published).
 */
export function sentEvent(
  d: Pick<
    ClaimedDelivery,
    'id' | 'incidentId' | 'channel' | 'recipient' | 'tenantId' | 'noticeId' | 'attempts'
  >,
  sent: Pick<SentOutcome, 'messageId' | 'contentSha256'>,
  from: 'queued' | null,
): AuditEventInput {
  return {
    actor: 'system',
    action: 'delivery.sent',
    entityType: 'delivery',
    entityId: d.id,
    incidentId: d.incidentId,
    change: {
      status: { from, to: 'sent' },
      channel: d.channel,
      recipient: d.recipient,
      tenantId: d.tenantId,
      noticeId: d.noticeId,
      attempts: d.attempts,
      messageId: sent.messageId,
      contentSha256: sent.contentSha256,
    },
  };
}
