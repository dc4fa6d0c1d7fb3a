import { itAllowsExactly } from '../../support/lifecycle.js';
import {
  checkApproval,
  checkNoticeTransition,
  NOTICE_STATUSES,
} from '../../../src/notices/domain/notice-lifecycle.js';

describe('notice lifecycle', () => {
  itAllowsExactly(
    'notice',
    { actual: NOTICE_STATUSES, expected: ['draft', 'approved', 'sent', 'rejected'] },
    // draft -> draft: an edit.
    ['draft -> draft', 'draft -> approved', 'draft -> rejected', 'approved -> sent'],
    checkNoticeTransition,
  );
});

describe('checkApproval', () => {
  const base = {
    status: 'draft' as const,
    createdBy: 'author',
    editedBy: 'editor',
    approver: 'reviewer',
    approversOfRevision: [],
    required: 1,
  };

  it('should complete when a third person approves a draft', () => {
    expect(checkApproval(base)).toEqual({ allowed: true, complete: true });
  });
  it('should refuse when the approver created the notice', () => {
    expect(checkApproval({ ...base, approver: 'author' })).toMatchObject({
      allowed: false,
      reason: 'four-eyes',
    });
  });
  it('should refuse when the approver edited it last', () => {
    expect(checkApproval({ ...base, approver: 'editor' })).toMatchObject({
      allowed: false,
      reason: 'four-eyes',
    });
  });
  it.each(['approved', 'sent', 'rejected'] as const)(
    'should refuse when the notice is %s',
    (status) => {
      expect(checkApproval({ ...base, status })).toMatchObject({
        allowed: false,
        reason: 'not-draft',
      });
    },
  );
  it('should need a second approver when two are required', () => {
    expect(checkApproval({ ...base, required: 2 })).toEqual({ allowed: true, complete: false });
    expect(
      checkApproval({ ...base, required: 2, approver: 'exec', approversOfRevision: ['reviewer'] }),
    ).toEqual({ allowed: true, complete: true });
    expect(
      checkApproval({ ...base, required: 2, approversOfRevision: ['reviewer'] }),
    ).toMatchObject({ allowed: false, reason: 'already-approved' });
  });
});
