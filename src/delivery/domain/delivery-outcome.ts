import { checkDeliveryTransition, DeliveryStatus } from './delivery-status.js';
import { backoffDelayMs } from './retry-policy.js';

/** How one attempt ended: handed over (relay answered 250, or the feed post is ready), or why not. */
export type AttemptResult = { kind: 'sent' } | { kind: 'temporary' | 'permanent'; error: string };

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Backoff ceiling of the first retry (see backoffDelayMs). */
  baseMs: number;
}

/** What becomes of a claimed delivery after an attempt. */
export type OutcomeDecision =
  | { status: 'sent'; at: Date }
  | { status: 'queued'; nextAttemptAt: Date; error: string }
  | { status: 'failed'; at: Date; error: string };

/**
 * The delivery's next status after attempt number `attempts` (counted at the claim, from 1):
 * sent; queued again with a backoff when a temporary failure leaves attempts to spend;
 * failed when it was permanent or the budget is spent. Every result is a transition of the
 * delivery lifecycle; one the table refuses is a fault and throws.
 */
export function decideOutcome(
  delivery: { status: DeliveryStatus; attempts: number },
  result: AttemptResult,
  policy: RetryPolicy,
  now: Date,
  random: () => number,
): OutcomeDecision {
  const decision: OutcomeDecision =
    result.kind === 'sent'
      ? { status: 'sent', at: now }
      : result.kind === 'temporary' && delivery.attempts < policy.maxAttempts
        ? {
            status: 'queued',
            error: result.error,
            nextAttemptAt: new Date(
              now.getTime() + backoffDelayMs(Math.max(1, delivery.attempts), policy.baseMs, random),
            ),
          }
        : { status: 'failed', at: now, error: result.error };
  const check = checkDeliveryTransition(delivery.status, decision.status);
  if (!check.allowed) throw new Error(check.reason);
  return decision;
}
