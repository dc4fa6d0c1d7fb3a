// The words a delivery is described in: delivery/ owns the lifecycle (domain/delivery-status.ts);
// the list stands here, below every feature, so the incident view can count by it.

export const DELIVERY_CHANNELS = ['email', 'dashboard', 'webhook'] as const;
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number];

export const DELIVERY_STATUSES = ['queued', 'sent', 'failed', 'bounced'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
