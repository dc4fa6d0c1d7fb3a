import type { DeadlineAlertState } from './compliance-status.js';

export interface EscalationLine {
  incidentId: string;
  externalId: string;
  title: string;
  state: DeadlineAlertState;
  tenants: number;
  earliestDueAt: Date;
}

export interface EscalationMailContent {
  subject: string;
  text: string;
  html: string;
}

const MAX_INCIDENTS_LISTED = 50;

function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

/**
 * The one summary mail of a deadline-watch run: how many tenants newly came near to, or past,
 * their notice deadline without having been told, per incident (the 50 most urgent listed).
 */
export function escalationMail(lines: EscalationLine[], provider: string): EscalationMailContent {
  const missed = lines.filter((l) => l.state === 'missed').reduce((n, l) => n + l.tenants, 0);
  const near = lines.filter((l) => l.state === 'near').reduce((n, l) => n + l.tenants, 0);
  const undeliverable = lines
    .filter((l) => l.state === 'undeliverable')
    .reduce((n, l) => n + l.tenants, 0);
  const byIncident = new Map<
    string,
    {
      externalId: string;
      title: string;
      missed: number;
      near: number;
      undeliverable: number;
      earliestDueAt: Date;
    }
  >();
  for (const l of lines) {
    const entry = byIncident.get(l.incidentId) ?? {
      externalId: l.externalId,
      title: l.title,
      missed: 0,
      near: 0,
      undeliverable: 0,
      earliestDueAt: l.earliestDueAt,
    };
    entry[l.state] += l.tenants;
    if (l.earliestDueAt < entry.earliestDueAt) entry.earliestDueAt = l.earliestDueAt;
    byIncident.set(l.incidentId, entry);
  }
  const incidents = [...byIncident.entries()].sort(
    (a, b) => a[1].earliestDueAt.getTime() - b[1].earliestDueAt.getTime(),
  );
  const listed = incidents.slice(0, MAX_INCIDENTS_LISTED);
  const more = incidents.length - listed.length;

  // Undeliverable is named only when there is any: the usual summary reads as it always did.
  const undeliverableNote = undeliverable > 0 ? `, ${undeliverable} undeliverable` : '';
  const subject = `[${provider}] Notice deadlines: ${missed} tenant(s) missed, ${near} near${undeliverableNote}`;
  const intro =
    `The deadline watch found tenants that have not been told of an incident: ${missed} past their notice deadline and ${near} with less than the warning share of their window left.` +
    (undeliverable > 0
      ? ` ${undeliverable} tenant(s) are undeliverable: every email to their contacts failed or bounced (their dashboard post stands); their contact details need fixing.`
      : '');
  const counts = (e: { missed: number; near: number; undeliverable: number }) =>
    `${e.missed} missed, ${e.near} near${e.undeliverable > 0 ? `, ${e.undeliverable} undeliverable` : ''}`;
  const textLines = listed.map(
    ([id, e]) =>
      `- ${e.externalId} "${e.title}": ${counts(e)}; earliest deadline ${e.earliestDueAt.toISOString()}; report GET /v1/incidents/${id}/compliance`,
  );
  if (more > 0) textLines.push(`- and ${more} more incident(s)`);
  const text = [
    intro,
    '',
    ...textLines,
    '',
    'Each tenant is reported once per state; the audit log holds a deadline.near or deadline.missed event for each.',
    '',
  ].join('\n');
  const htmlItems = listed.map(
    ([id, e]) =>
      `<li><strong>${escapeHtml(e.externalId)}</strong> &ldquo;${escapeHtml(e.title)}&rdquo;: ${counts(e)}; earliest deadline ${e.earliestDueAt.toISOString()}; report <code>GET /v1/incidents/${id}/compliance</code></li>`,
  );
  if (more > 0) htmlItems.push(`<li>and ${more} more incident(s)</li>`);
  const html = `<p>${escapeHtml(intro)}</p><ul>${htmlItems.join('')}</ul><p>Each tenant is reported once per state; the audit log holds a deadline.near or deadline.missed event for each.</p>`;
  return { subject, text, html };
}
