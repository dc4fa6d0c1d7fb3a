import { noticeAddresses, reconcile, verificationState } from './contact-verification.js';

const DAY = 86_400_000;

describe('contact verification', () => {
  const contacts = [
    { name: 'Ada', email: 'Ada@Example.com', role: 'primary' },
    { name: 'Bob', email: 'bob@example.com', role: 'billing' },
    { name: 'Sec', email: 'sec@example.com', role: 'security' },
  ];

  it('should key notice contacts by lower-case address and leave billing out', () => {
    expect([...noticeAddresses(contacts)]).toEqual([
      ['ada@example.com', 'Ada'],
      ['sec@example.com', 'Sec'],
    ]);
  });

  it('should add a changed address and drop the old one', () => {
    const changed = [{ name: 'Ada', email: 'ada@new.example', role: 'primary' }, contacts[2]];
    expect(reconcile(changed, ['ada@example.com', 'sec@example.com'])).toEqual({
      add: [{ email: 'ada@new.example', name: 'Ada' }],
      remove: ['ada@example.com'],
    });
  });

  it('should add nothing when every address is known, whatever its case', () => {
    expect(reconcile(contacts, ['ada@example.com', 'sec@example.com'])).toEqual({
      add: [],
      remove: [],
    });
  });

  it('should be unverified, verified, then due for re-confirmation after the period', () => {
    const at = new Date('2030-01-01T00:00:00Z');
    const period = 180 * DAY;
    expect(verificationState({ verifiedAt: null }, at, period)).toBe('unverified');
    expect(verificationState({ verifiedAt: at }, new Date(at.getTime() + period - 1), period)).toBe(
      'verified',
    );
    expect(verificationState({ verifiedAt: at }, new Date(at.getTime() + period), period)).toBe(
      'reconfirm-due',
    );
  });
});
