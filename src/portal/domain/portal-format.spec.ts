import { contactRows, contactsBody, localTime } from './portal-format.js';

describe('portal format', () => {
  it('should show an instant in the tenant locale and time zone', () => {
    const at = '2030-03-01T12:00:00Z';
    expect(localTime(at, 'de-DE', 'Europe/Berlin')).toContain('13:00');
    expect(localTime(at, 'en-US', 'Asia/Tokyo')).toMatch(/09:00 PM|21:00/);
  });

  it('should fall back to UTC ISO when the time zone is unusable', () => {
    expect(localTime('2030-03-01T12:00:00Z', 'en-US', 'Not/AZone')).toBe(
      '2030-03-01T12:00:00.000Z',
    );
  });

  it('should read filled rows only, keeping their form index', () => {
    const rows = contactRows({
      name_0: 'Ada',
      email_0: ' ada@example.com ',
      role_0: 'primary',
      name_1: '',
      email_1: '',
      role_1: 'security',
      name_2: 'Bob',
      email_2: 'not-an-address',
      role_2: 'security',
      locale_2: 'de-DE',
    });
    expect(rows.map((r) => r.index)).toEqual([0, 2]);
    expect(contactsBody(rows)).toEqual([
      { name: 'Ada', email: 'ada@example.com', role: 'primary' },
      { name: 'Bob', email: 'not-an-address', role: 'security', locale: 'de-DE' },
    ]);
  });
});
