// The backoff rule is shared with the webhook event outbox (below delivery): it lives in common.
export { backoffDelayMs, MAX_BACKOFF_MS } from '../../common/domain/retry-policy.js';
