import { escalationMail, EscalationLine } from './escalation-mail.js';

const line = (overrides: Partial<EscalationLine>): EscalationLine => ({
  incidentId: '00000000-0000-4000-8000-000000000001',
  externalId: 'INC-1',
  title: 'Mail storage',
  state: 'missed',
  tenants: 1,
  earliestDueAt: new Date('2026-11-30T08:00:00Z'),
  ...overrides,
});

describe('escalationMail', () => {
  it('should total missed and near tenants in the subject when several incidents are affected', () => {
    const mail = escalationMail(
      [
        line({ tenants: 3 }),
        line({ state: 'near', tenants: 2 }),
        line({
          incidentId: '00000000-0000-4000-8000-000000000002',
          externalId: 'INC-2',
          state: 'near',
          tenants: 5,
        }),
      ],
      'Acme cloud',
    );
    expect(mail.subject).toBe('[Acme cloud] Notice deadlines: 3 tenant(s) missed, 7 near');
    expect(mail.text).toContain('- INC-1 "Mail storage": 3 missed, 2 near');
    expect(mail.text).toContain('- INC-2 "Mail storage": 0 missed, 5 near');
    expect(mail.text).toContain(
      'GET /v1/incidents/00000000-0000-4000-8000-000000000002/compliance',
    );
  });

  it('should list the incident with the earliest deadline first when deadlines differ', () => {
    const mail = escalationMail(
      [
        line({ externalId: 'LATER', earliestDueAt: new Date('2026-12-02T00:00:00Z') }),
        line({
          incidentId: '00000000-0000-4000-8000-000000000002',
          externalId: 'SOONER',
          earliestDueAt: new Date('2026-11-29T00:00:00Z'),
        }),
      ],
      'P',
    );
    expect(mail.text.indexOf('SOONER')).toBeLessThan(mail.text.indexOf('LATER'));
  });

  it('should escape the title in the HTML part when it contains markup', () => {
    const mail = escalationMail([line({ title: '<script>alert(1)</script> & co' })], 'P');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; co');
  });

  it('should list 50 incidents and count the rest when there are more', () => {
    const lines = Array.from({ length: 53 }, (_, i) =>
      line({
        incidentId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        externalId: `INC-${i}`,
      }),
    );
    const mail = escalationMail(lines, 'P');
    expect(mail.text.split('\n').filter((l) => l.startsWith('- INC-'))).toHaveLength(50);
    expect(mail.text).toContain('- and 3 more incident(s)');
  });
});
