import { escapeHtml } from '../../mail/domain/escape-html.js';

/** The one-time sign-in link mail. */
export function signInMail(input: {
  providerName: string;
  tenantName: string;
  contactName: string;
  link: string;
  minutes: number;
}): { subject: string; text: string; html: string } {
  const subject = `${input.providerName}: your sign-in link for the tenant portal`;
  const intro = `Someone asked to sign in to the ${input.providerName} tenant portal for ${input.tenantName} with this address.`;
  const validity = `The link works once, within ${input.minutes} minutes. If you did not ask for it, ignore this mail: nothing happens.`;
  return {
    subject,
    text: [`Hello ${input.contactName},`, '', intro, '', input.link, '', validity].join('\n'),
    html: [
      `<p>Hello ${escapeHtml(input.contactName)},</p>`,
      `<p>${escapeHtml(intro)}</p>`,
      `<p><a href="${escapeHtml(input.link)}">Sign in to the tenant portal</a></p>`,
      `<p>${escapeHtml(validity)}</p>`,
    ].join('\n'),
  };
}
