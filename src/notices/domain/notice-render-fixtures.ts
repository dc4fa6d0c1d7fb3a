import { NoticeRenderInput } from './notice-render.types.js';

// Sample notices: the boot-time trial render runs every template in every locale over
// these, and the specs start from them. Between them they take every branch the
// templates have (each kind, present and absent dates, estimates, lists and obligations).

/** A realistic initial notice for an EU tenant; fresh objects on every call. */
export function sampleNoticeRenderInput(): NoticeRenderInput {
  return {
    notice: {
      id: '0b6f1d2e-4c1a-4f7e-9a51-3d2c8e7f6a10',
      kind: 'initial',
      revision: 2,
      content: {
        title: 'Unauthorized access to a mail storage cluster',
        description:
          'On 2 March 2026 an attacker used a stolen support-engineer credential to read mailbox data on one storage cluster in the eu-west region.\n\nWe revoked the credential within 40 minutes of detecting the activity. Our investigation is continuing.',
        dataImpact: {
          categories: ['personal', 'credentials', 'customer-content'],
          description:
            'Message headers and bodies in some mailboxes may have been read. IMAP application passwords were exposed in hashed form.',
          dataSubjectsEstimate: 12500,
          recordsEstimate: 1843200,
        },
        actionsTaken: [
          'Revoked the compromised credential and every session it had opened.',
          'Rotated the encryption keys of the affected cluster.',
          'Engaged an external forensic firm.',
        ],
        suggestedActions: [
          'Reset the IMAP application passwords of your users.',
          'Review mailbox audit logs for access between 2 and 3 March 2026.',
        ],
      },
    },
    incident: {
      id: '6d8f5b9a-0f3e-4c55-8d7e-2b1a9c4e7f21',
      externalId: 'INC-2026-0042',
      severity: 'high',
      phase: 'containment',
      awareAt: '2026-03-02T14:30:00Z',
      occurredAt: '2026-03-02T09:10:00Z',
    },
    tenant: { id: 'acme-gmbh', name: 'Acme GmbH', locale: 'en-US', timeZone: 'Europe/Berlin' },
    noticeDueAt: '2026-03-05T14:30:00Z',
    obligations: [
      {
        regulationId: 'contract',
        notifier: 'provider',
        recipient: 'tenant',
        dueAt: '2026-03-05T14:30:00Z',
        dueText:
          "Within the notice period promised in the tenant's contract (service default when the tenant has none).",
        citation: 'Tenant contract / data processing addendum',
      },
      {
        regulationId: 'gdpr-art33-2',
        notifier: 'provider',
        recipient: 'tenant',
        dueAt: null,
        dueText:
          'Processor notifies the controller without undue delay after becoming aware of a personal data breach.',
        citation: 'GDPR Art. 33(2)',
      },
      {
        regulationId: 'gdpr-art33-1',
        notifier: 'tenant',
        recipient: 'supervisory-authority',
        dueAt: '2026-03-05T14:30:00Z',
        dueText:
          'Controller notifies the supervisory authority without undue delay and, where feasible, within 72 hours of becoming aware.',
        citation: 'GDPR Art. 33(1)',
      },
      {
        regulationId: 'gdpr-art34',
        notifier: 'tenant',
        recipient: 'data-subjects',
        dueAt: null,
        dueText:
          'Where the breach is likely to result in a high risk, the controller informs the data subjects without undue delay.',
        citation: 'GDPR Art. 34',
      },
      {
        regulationId: 'nis2-art23-4a',
        notifier: 'tenant',
        recipient: 'csirt',
        dueAt: '2026-03-03T14:30:00Z',
        dueText:
          'Early warning to the CSIRT or competent authority within 24 hours of becoming aware of a significant incident.',
        citation: 'NIS2 Art. 23(4)(a)',
      },
    ],
    provider: {
      name: 'Nimbus Cloud',
      contact: 'security@nimbus.example',
      portalUrl: 'https://herald.nimbus.example/portal',
    },
  };
}

/** Inputs for the trial render, each with the given tenant locale. */
export function trialRenderInputs(
  locale: string,
): Array<{ name: string; input: NoticeRenderInput }> {
  const initial = sampleNoticeRenderInput();
  initial.tenant.locale = locale;

  // Everything optional absent: no data affected, empty lists, no deadlines, unknown values.
  const update = sampleNoticeRenderInput();
  update.tenant.locale = locale;
  update.tenant.timeZone = 'Not/AZone';
  update.notice.kind = 'update';
  update.notice.content = {
    title: 'Update',
    description: '',
    dataImpact: { categories: ['none'], description: '' },
    actionsTaken: [],
    suggestedActions: [],
    translations: { [locale]: { title: 'Translated title', actionsTaken: ['Translated action'] } },
  };
  update.incident.occurredAt = null;
  update.incident.phase = 'some-new-phase';
  update.noticeDueAt = null;
  update.obligations = [
    {
      regulationId: 'custom',
      notifier: 'provider',
      recipient: 'some-new-recipient',
      dueAt: null,
      dueText: 'Promptly.',
      citation: 'Custom rule',
    },
  ];
  update.provider.contact = 'https://status.nimbus.example/security';

  // Categories not yet known, a plain-text contact, every severity flag exercised elsewhere.
  const resolution = sampleNoticeRenderInput();
  resolution.tenant.locale = locale;
  resolution.notice.kind = 'resolution';
  resolution.notice.content.dataImpact = {
    categories: [],
    description: 'Under review.',
    dataSubjectsEstimate: 0,
  };
  resolution.incident.severity = 'critical';
  resolution.incident.phase = 'resolved';
  resolution.obligations = [];
  resolution.provider.contact = '+1 555 0100 (security desk)';

  return [
    { name: 'initial', input: initial },
    { name: 'update', input: update },
    { name: 'resolution', input: resolution },
  ];
}
