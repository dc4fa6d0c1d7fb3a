/** The message a tenant's notice contacts get when Herald disables one of its webhook endpoints. */
export function endpointDisabledMail(facts: {
  tenantName: string;
  url: string;
  endpointId: string;
  disabledAt: Date;
  provider: string;
}): { subject: string; text: string; html: string } {
  const subject = `Webhook endpoint disabled: ${facts.url}`;
  const lines = [
    `${facts.provider} disabled a webhook endpoint of ${facts.tenantName} at ${facts.disabledAt.toISOString()}:`,
    '',
    `  ${facts.url} (id ${facts.endpointId})`,
    '',
    'Every call to it failed for too long. Incident notices still reach you by email and on your dashboard.',
    'Register the endpoint again (POST /v1/tenants/{id}/webhooks) once it answers 2xx.',
  ];
  const text = lines.join('\n') + '\n';
  const html = `<p>${lines.filter(Boolean).map(escapeHtml).join('</p><p>')}</p>`;
  return { subject, text, html };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
