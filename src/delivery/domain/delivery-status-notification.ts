// RFC 3464 delivery status notifications: the fields of a message/delivery-status part (or
// RFC 6533's message/global-delivery-status), read as plain text. Only what Herald decides on.

export const DSN_ACTIONS = ['failed', 'delayed', 'delivered', 'relayed', 'expanded'] as const;
export type DsnAction = (typeof DSN_ACTIONS)[number];

export interface DsnRecipient {
  /** The address of Final-Recipient (its address-type, usually rfc822, dropped). */
  finalRecipient: string;
  action: DsnAction;
  /** The enhanced status code, e.g. 5.1.1. */
  status: string;
  /** Diagnostic-Code without its type, one line; null when absent. */
  diagnostic: string | null;
}

export interface DeliveryStatusReport {
  reportingMta: string | null;
  recipients: DsnRecipient[];
}

/** How long a diagnostic may be once stored as a delivery's error. */
export const DIAGNOSTIC_MAX_LENGTH = 500;

/**
 * Parses the body of a message/delivery-status part: the per-message fields, then one group of
 * fields per recipient, groups separated by blank lines (RFC 3464 section 2.1). Returns null
 * when no recipient group has a Final-Recipient, an Action and a Status (nothing to act on).
 * A group with an unknown action or a malformed status makes the whole report null: a report
 * Herald cannot read in full is not acted on in part.
 */
export function parseDeliveryStatus(text: string): DeliveryStatusReport | null {
  const groups = fieldGroups(text);
  if (groups.length < 2) return null;
  const [perMessage, ...perRecipient] = groups;
  const recipients: DsnRecipient[] = [];
  for (const fields of perRecipient) {
    const final = fields.get('final-recipient');
    const action = fields.get('action')?.toLowerCase();
    const status = fields.get('status');
    if (final === undefined && action === undefined && status === undefined) continue;
    if (final === undefined || action === undefined || status === undefined) return null;
    const address = typedValue(final);
    const code = /^([245]\.\d{1,3}\.\d{1,3})(?:\s|\(|$)/.exec(status.trim())?.[1];
    if (!address || !code || !(DSN_ACTIONS as readonly string[]).includes(action)) return null;
    const diagnostic = fields.get('diagnostic-code');
    recipients.push({
      finalRecipient: address,
      action: action as DsnAction,
      status: code,
      diagnostic:
        diagnostic === undefined ? null : singleLine(typedValue(diagnostic) ?? diagnostic),
    });
  }
  if (recipients.length === 0) return null;
  const mta = perMessage.get('reporting-mta');
  return { reportingMta: mta === undefined ? null : typedValue(mta), recipients };
}

/** One line of printable text, at most DIAGNOSTIC_MAX_LENGTH characters. */
export function singleLine(value: string): string {
  const line = value
    .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > DIAGNOSTIC_MAX_LENGTH
    ? `${line.slice(0, DIAGNOSTIC_MAX_LENGTH - 1)}…`
    : line;
}

// "rfc822; user@example.com" -> "user@example.com"; RFC 3461's xtext (+XX) is decoded.
function typedValue(value: string): string | null {
  const semicolon = value.indexOf(';');
  if (semicolon < 0) return null;
  const raw = value.slice(semicolon + 1).trim();
  const decoded = raw.replace(/\+([0-9A-Fa-f]{2})/g, (_, hex: string) =>
    String.fromCharCode(parseInt(hex, 16)),
  );
  const bare = decoded.replace(/^<(.*)>$/, '$1').trim();
  return bare === '' ? null : bare;
}

function fieldGroups(text: string): Array<Map<string, string>> {
  const groups: Array<Map<string, string>> = [];
  let current = new Map<string, string>();
  let last: string | null = null;
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (line.trim() === '') {
      if (current.size > 0) groups.push(current);
      current = new Map();
      last = null;
      continue;
    }
    if (/^[ \t]/.test(line) && last !== null) {
      // A folded continuation of the field above.
      current.set(last, `${current.get(last)} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon).trim().toLowerCase();
    if (!current.has(last)) current.set(last, line.slice(colon + 1).trim());
  }
  if (current.size > 0) groups.push(current);
  return groups;
}
