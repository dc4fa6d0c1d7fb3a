/** How one webhook call ended, as the delivery lifecycle sees it. */
export type WebhookAttemptResult =
  | { kind: 'sent'; status: number }
  | { kind: 'temporary'; error: string; status: number | null; retryAfterMs: number | null }
  | { kind: 'permanent'; error: string; status: number | null };

/** The longest Retry-After honoured: a receiver cannot park a notice for longer. */
export const MAX_RETRY_AFTER_MS = 6 * 3_600_000;

/**
 * Standard Webhooks semantics: 2xx delivered; 408, 429 and 5xx are worth another attempt
 * (honouring Retry-After); any other answer, redirects included (they are never followed), is final.
 */
export function classifyResponse(
  status: number,
  retryAfter: string | undefined,
  now: Date,
): WebhookAttemptResult {
  if (status >= 200 && status < 300) return { kind: 'sent', status };
  if (status === 408 || status === 429 || status >= 500) {
    return {
      kind: 'temporary',
      status,
      error: `HTTP ${status}`,
      retryAfterMs: parseRetryAfter(retryAfter, now),
    };
  }
  if (status >= 300 && status < 400)
    return { kind: 'permanent', status, error: `HTTP ${status}: redirects are not followed` };
  return { kind: 'permanent', status, error: `HTTP ${status}` };
}

/** Retry-After as delay-seconds or an HTTP date (RFC 9110 10.2.3), capped; null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: Date): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at) || !/[a-z]/i.test(text)) return null;
    ms = at - now.getTime();
  }
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

/**
 * When the next attempt may start: the backoff's time, or later when the receiver asked for
 * more (Retry-After); never earlier than the receiver asked.
 */
export function nextAttemptAt(backoffAt: Date, retryAfterMs: number | null, now: Date): Date {
  if (retryAfterMs === null) return backoffAt;
  return new Date(Math.max(backoffAt.getTime(), now.getTime() + retryAfterMs));
}

/** Whether an endpoint failing since `failingSince` has failed for too long and is to be disabled. */
export function shouldDisable(
  failingSince: Date | null,
  now: Date,
  disableAfterMs: number,
): boolean {
  return failingSince !== null && now.getTime() - failingSince.getTime() >= disableAfterMs;
}
