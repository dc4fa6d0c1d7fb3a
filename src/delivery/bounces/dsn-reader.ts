import { simpleParser, type Attachment } from 'mailparser';
import {
  parseDeliveryStatus,
  type DeliveryStatusReport,
} from '../domain/delivery-status-notification.js';

const STATUS_TYPES = ['message/delivery-status', 'message/global-delivery-status'];

/**
 * The delivery status report of a raw bounce message: a multipart/report with
 * report-type=delivery-status (RFC 3462/6522) whose message/delivery-status part parses. Null
 * for anything else (an auto-reply, a plain-text bounce, junk): Herald acts only on a real DSN.
 */
export async function readDsn(raw: Buffer): Promise<DeliveryStatusReport | null> {
  let parsed;
  try {
    parsed = await simpleParser(raw, {
      skipHtmlToText: true,
      skipTextLinks: true,
      // The status part as an attachment, not merged into the text.
      keepDeliveryStatus: true,
    });
  } catch {
    return null;
  }
  const type = parsed.headers.get('content-type') as
    { value?: string; params?: Record<string, string> } | undefined;
  if (
    type?.value?.toLowerCase() !== 'multipart/report' ||
    type.params?.['report-type']?.toLowerCase() !== 'delivery-status'
  ) {
    return null;
  }
  const part = parsed.attachments.find((a: Attachment) =>
    STATUS_TYPES.includes(a.contentType.toLowerCase()),
  );
  if (!part) return null;
  return parseDeliveryStatus(part.content.toString('utf8'));
}
