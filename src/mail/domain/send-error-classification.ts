// Pure classification of a failed SMTP send: worth another attempt, or final. No Nest, no
// nodemailer: errors are read by shape (`responseCode`, `code`, `command`, ...) so this stays
// plain data in, plain data out.

export type SendErrorKind = 'temporary' | 'permanent';

export interface SendErrorClassification {
  kind: SendErrorKind;
  /** Short, single-line, log-safe explanation. Never contains the message body. */
  reason: string;
}

// Socket and DNS-level conditions that say nothing about the message: the relay was
// unreachable, slow, or dropped us. Node's own codes and nodemailer's (see its errors.ts).
const TEMPORARY_NETWORK_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ECONNABORTED: 'connection aborted',
  EPIPE: 'connection broken',
  ETIMEDOUT: 'timed out',
  ESOCKET: 'socket error',
  ECONNECTION: 'connection closed unexpectedly',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENETDOWN: 'network down',
  EAI_AGAIN: 'dns temporary failure',
  EPROTOCOL: 'invalid smtp response from relay',
  EMAXLIMIT: 'pool connection exhausted',
  EABORT: 'send aborted',
};

// The relay, not the recipient, is misconfigured (credentials, TLS, our own settings). The
// same message succeeds once an operator fixes it, so failing the delivery for good would
// be wrong; the attempt budget still bounds the retries.
const TEMPORARY_CONFIGURATION_CODES: Readonly<Record<string, string>> = {
  EAUTH: 'relay authentication failed',
  ENOAUTH: 'relay requires authentication',
  EOAUTH2: 'relay oauth2 token error',
  ETLS: 'tls negotiation with relay failed',
  EREQUIRETLS: 'relay does not support REQUIRETLS',
  ECONFIG: 'mail transport misconfigured',
  EPROXY: 'proxy error',
};

// Deterministic for these bytes: sending them again fails the same way.
const PERMANENT_MESSAGE_CODES: Readonly<Record<string, string>> = {
  EENVELOPE: 'invalid envelope (sender or recipient address)',
  EMESSAGE: 'message rejected before sending (empty or over the relay size limit)',
  EMAXRECIPIENTS: 'too many recipients',
};

interface SendErrorShape {
  code?: string;
  originalCode?: string;
  responseCode?: number;
  command?: string;
  response?: string;
  timeoutType?: string;
}

const MAX_RESPONSE_IN_REASON = 200;

/**
 * Decides whether a failed send may succeed later (`temporary`: retry with backoff) or never
 * will (`permanent`: stop, record the failure). Rules, first match wins:
 *
 * 1. An SMTP reply code: 4xx → temporary; 5xx → permanent, except 503 (bad command
 *    sequence: a session-state problem, nodemailer's `isPermanentResponseCode` agrees) and
 *    5xx answers to AUTH (our relay credentials are wrong, not the mailbox).
 * 2. Network, timeout and DNS failures (ECONNREFUSED, ECONNRESET, ETIMEDOUT, ESOCKET,
 *    ECONNECTION, EDNS whatever the resolver said, ...) → temporary. EDNS stays temporary
 *    even for ENOTFOUND: the host looked up is our own relay, so "not found" is an outage
 *    or a config error, never a property of the recipient.
 * 3. Relay misconfiguration (EAUTH, ETLS, ECONFIG, ...) → temporary, see above.
 * 4. A malformed envelope or message rejected locally (EENVELOPE / EMESSAGE with no reply
 *    code, EMAXRECIPIENTS) → permanent.
 * 5. Anything else → temporary: an unknown failure must not silently drop a notice.
 *
 * The reason is built from the code, the command and the relay's reply only, never from
 * `err.message` of an unknown error, so it cannot carry the message body.
 */
export function classifySendError(err: unknown): SendErrorClassification {
  const e = readShape(err);
  const codes = [e.code, e.originalCode].filter((c): c is string => c !== undefined);
  const codeLabel = codes.length > 0 ? ` (${codes.join('/')})` : '';

  if (e.responseCode !== undefined && e.responseCode >= 400 && e.responseCode < 600) {
    const reply = describeReply(e);
    if (e.responseCode < 500) return { kind: 'temporary', reason: reply };
    if (e.responseCode === 503) {
      return { kind: 'temporary', reason: `${reply}; bad command sequence, retryable` };
    }
    if (e.code === 'EAUTH' || e.command?.toUpperCase().startsWith('AUTH')) {
      return { kind: 'temporary', reason: `relay authentication failed: ${reply}` };
    }
    return { kind: 'permanent', reason: reply };
  }

  if (e.code === 'EDNS') {
    const what = e.originalCode === 'ENOTFOUND' ? 'relay host not found' : 'dns lookup failed';
    return { kind: 'temporary', reason: `${what}${codeLabel}` };
  }
  for (const code of [e.originalCode, e.code]) {
    if (code === undefined) continue;
    const network = TEMPORARY_NETWORK_CODES[code];
    if (network !== undefined) {
      const timeout = e.timeoutType !== undefined ? ` ${e.timeoutType.toLowerCase()}` : '';
      return { kind: 'temporary', reason: `${network}${timeout}${codeLabel}` };
    }
  }
  if (e.code !== undefined) {
    const configuration = TEMPORARY_CONFIGURATION_CODES[e.code];
    if (configuration !== undefined) {
      return { kind: 'temporary', reason: `${configuration}${codeLabel}` };
    }
    const permanent = PERMANENT_MESSAGE_CODES[e.code];
    if (permanent !== undefined) {
      return { kind: 'permanent', reason: `${permanent}${codeLabel}` };
    }
  }
  return { kind: 'temporary', reason: `unknown send error${codeLabel}` };
}

function readShape(err: unknown): SendErrorShape {
  if (typeof err !== 'object' || err === null) return {};
  const o = err as Record<string, unknown>;
  const str = (v: unknown): string | undefined =>
    typeof v === 'string' && v.length > 0 ? v : undefined;
  const responseCode =
    typeof o.responseCode === 'number' && Number.isInteger(o.responseCode)
      ? o.responseCode
      : undefined;
  return {
    code: safeToken(str(o.code)),
    originalCode: safeToken(str(o.originalCode)),
    responseCode,
    command: safeToken(str(o.command)),
    response: str(o.response),
    timeoutType: safeToken(str(o.timeoutType)),
  };
}

// Codes and commands are short identifiers; anything else is not trusted into the reason.
function safeToken(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const cleaned = value.replace(/[^A-Za-z0-9_ .-]/g, '').slice(0, 40);
  return cleaned.length > 0 ? cleaned : undefined;
}

function describeReply(e: SendErrorShape): string {
  const at = e.command !== undefined ? ` at ${e.command}` : '';
  // The reply repeats its own code ("451 4.7.1 ..."); keep the text after it.
  const rest = e.response !== undefined ? singleLine(e.response.replace(/^\d{3}[ -]?/, '')) : '';
  const text = rest.length > 0 ? `: ${rest}` : '';
  return `smtp ${e.responseCode}${at}${text}`;
}

function singleLine(text: string): string {
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > MAX_RESPONSE_IN_REASON
    ? `${flat.slice(0, MAX_RESPONSE_IN_REASON - 1)}…`
    : flat;
}
