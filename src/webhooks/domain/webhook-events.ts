export const WEBHOOK_EVENTS = [
  'notice.sent',
  'notice.updated',
  'contacts.verification_needed',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** The event a notice goes out as: the initial notice is `notice.sent`, update and resolution `notice.updated`. */
export function noticeEvent(kind: string): WebhookEvent {
  return kind === 'initial' ? 'notice.sent' : 'notice.updated';
}

/** The Standard Webhooks message id of a delivery: the same on every retry, so receivers deduplicate. */
export function messageIdOf(id: string): string {
  return `msg_${id}`;
}

/** The body of a call, Standard Webhooks' `{type, timestamp, data}`, as the exact bytes sent. */
export function payloadBody(type: WebhookEvent, timestamp: Date, data: unknown): string {
  return JSON.stringify({ type, timestamp: timestamp.toISOString(), data });
}
