import {
  classifyResponse,
  MAX_RETRY_AFTER_MS,
  nextAttemptAt,
  parseRetryAfter,
  shouldDisable,
} from './webhook-response.js';

const NOW = new Date('2026-03-02T10:00:00.000Z');

describe('classifyResponse', () => {
  it.each([200, 201, 202, 204, 299])('should count %s as delivered', (status) => {
    expect(classifyResponse(status, undefined, NOW)).toEqual({ kind: 'sent', status });
  });

  it.each([408, 429, 500, 502, 503, 504])('should retry on %s', (status) => {
    expect(classifyResponse(status, '7', NOW)).toEqual({
      kind: 'temporary',
      status,
      error: `HTTP ${status}`,
      retryAfterMs: 7000,
    });
  });

  it.each([400, 401, 403, 404, 410, 413, 422])('should end it on %s', (status) => {
    expect(classifyResponse(status, undefined, NOW)).toEqual({
      kind: 'permanent',
      status,
      error: `HTTP ${status}`,
    });
  });

  it.each([301, 302, 307, 308])(
    'should end it on a %s redirect, which is never followed',
    (status) => {
      expect(classifyResponse(status, undefined, NOW)).toEqual({
        kind: 'permanent',
        status,
        error: `HTTP ${status}: redirects are not followed`,
      });
    },
  );
});

describe('parseRetryAfter', () => {
  it('should read delay-seconds and HTTP dates, capped, and ignore the unreadable', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter('Mon, 02 Mar 2026 10:01:00 GMT', NOW)).toBe(60_000);
    expect(parseRetryAfter('Mon, 02 Mar 2026 09:00:00 GMT', NOW)).toBe(0);
    expect(parseRetryAfter('999999999', NOW)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter('soon', NOW)).toBeNull();
    expect(parseRetryAfter('-5', NOW)).toBeNull();
    expect(parseRetryAfter(undefined, NOW)).toBeNull();
  });
});

describe('nextAttemptAt', () => {
  it('should wait for the later of the backoff and the Retry-After', () => {
    const backoff = new Date(NOW.getTime() + 5000);
    expect(nextAttemptAt(backoff, null, NOW)).toEqual(backoff);
    expect(nextAttemptAt(backoff, 1000, NOW)).toEqual(backoff);
    expect(nextAttemptAt(backoff, 60_000, NOW)).toEqual(new Date(NOW.getTime() + 60_000));
  });
});

describe('shouldDisable', () => {
  it('should disable only an endpoint failing for at least the limit', () => {
    const day = 86_400_000;
    expect(shouldDisable(null, NOW, 3 * day)).toBe(false);
    expect(shouldDisable(new Date(NOW.getTime() - 3 * day + 1), NOW, 3 * day)).toBe(false);
    expect(shouldDisable(new Date(NOW.getTime() - 3 * day), NOW, 3 * day)).toBe(true);
  });
});
