import { escapeHtml } from '../../mail/domain/escape-html.js';

/** The mail asking a contact to confirm its address (new, or again after the period). */
export function verificationMail(input: {
  providerName: string;
  tenantName: string;
  contactName: string;
  reason: 'new' | 'reconfirm';
  link: string;
  expiresAt: Date;
}): { subject: string; text: string; html: string } {
  const why =
    input.reason === 'new'
      ? `This address was added as a security notice contact of ${input.tenantName}.`
      : `This address is a security notice contact of ${input.tenantName}, and it is time to confirm it is still right.`;
  const subject = `${input.providerName}: please confirm your security notice contact address`;
  const lines = [
    `Hello ${input.contactName},`,
    '',
    why,
    `${input.providerName} sends security incident notices to it. Confirm that it reaches you:`,
    '',
    input.link,
    '',
    `The link works until ${input.expiresAt.toISOString()}. Notices keep coming to this address either way.`,
    'If this is not your address, tell your administrator to change it in the tenant portal.',
  ];
  const esc = escapeHtml;
  const html = [
    `<p>Hello ${esc(input.contactName)},</p>`,
    `<p>${esc(why)}</p>`,
    `<p>${esc(input.providerName)} sends security incident notices to it. Confirm that it reaches you:</p>`,
    `<p><a href="${esc(input.link)}">Confirm this address</a></p>`,
    `<p>The link works until ${esc(input.expiresAt.toISOString())}. Notices keep coming to this address either way.</p>`,
    '<p>If this is not your address, tell your administrator to change it in the tenant portal.</p>',
  ].join('\n');
  return { subject, text: lines.join('\n'), html };
}
