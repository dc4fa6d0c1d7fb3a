import type { NoticeContent } from '../../notices/dto/notice.dto.js';
import { fieldDiff } from './field-diff.js';
import { deadlineTimeline } from './deadline-timeline.js';
import { timeLeft } from './time-left.js';

const base: NoticeContent = {
  title: 'Unauthorized access',
  description: 'We found it.',
  dataImpact: { categories: ['personal'], description: 'Names' },
  actionsTaken: ['Rotated keys'],
  suggestedActions: [],
};

describe('fieldDiff', () => {
  it('should list only the fields that changed, before and after', () => {
    const after = {
      ...base,
      title: 'Unauthorised access',
      actionsTaken: ['Rotated keys', 'Reset sessions'],
    };
    expect(fieldDiff(base, after)).toEqual([
      { field: 'title', before: 'Unauthorized access', after: 'Unauthorised access' },
      { field: 'actionsTaken', before: 'Rotated keys', after: 'Rotated keys\nReset sessions' },
    ]);
  });

  it('should show a translation added in a revision against an empty before', () => {
    const after = { ...base, translations: { 'de-DE': { title: 'Unbefugter Zugriff' } } };
    expect(fieldDiff(base, after)).toEqual([
      { field: 'translations.de-DE.title', before: '', after: 'Unbefugter Zugriff' },
    ]);
  });
});

describe('deadlineTimeline', () => {
  it('should count tenants per slice and mark slices already past as overdue', () => {
    const t = deadlineTimeline(
      ['2030-01-01T00:00:00Z', '2030-01-01T00:10:00Z', '2030-01-02T00:00:00Z'],
      new Date('2030-01-01T12:00:00Z'),
    );
    expect(t.total).toBe(3);
    expect(t.bars.map((b) => [b.count, b.overdue])).toEqual([
      [2, true],
      [1, false],
    ]);
    expect(t.nowX).toBe(320);
  });

  it('should draw nothing for no tenants', () => {
    expect(deadlineTimeline([], new Date()).bars).toEqual([]);
  });
});

describe('timeLeft', () => {
  const now = new Date('2030-01-01T12:00:00Z');
  it('should read as hours and minutes left, or overdue', () => {
    expect(timeLeft('2030-01-01T15:20:00Z', now)).toBe('3 h 20 min left');
    expect(timeLeft('2030-01-01T11:15:00Z', now)).toBe('45 min overdue');
    expect(timeLeft('2030-01-04T13:00:00Z', now)).toBe('3 d 1 h left');
    expect(timeLeft(null, now)).toBe('no fixed deadline');
  });
});
