import {
  assertTransition,
  checkTransition,
  TransitionCheck,
  TransitionTable,
} from '../../common/domain/transition-table.js';

export const NOTICE_KINDS = ['initial', 'update', 'resolution'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

export const NOTICE_STATUSES = ['draft', 'approved', 'sent', 'rejected'] as const;
export type NoticeStatus = (typeof NOTICE_STATUSES)[number];

// draft -> draft is an edit (a new revision).
export const NOTICE_TRANSITIONS: TransitionTable<NoticeStatus> = {
  draft: ['draft', 'approved', 'rejected'],
  approved: ['sent'],
  sent: [],
  rejected: [],
};

export function checkNoticeTransition(from: NoticeStatus, to: NoticeStatus): TransitionCheck {
  return checkTransition(NOTICE_TRANSITIONS, 'notice', from, to);
}

/** Throws the API's 409 when the notice cannot make this move; `detail` is what the API says. */
export function assertNoticeTransition(
  from: NoticeStatus,
  to: NoticeStatus,
  detail?: string,
): void {
  assertTransition(NOTICE_TRANSITIONS, 'notice', from, to, detail);
}

export type ApprovalCheck =
  | { allowed: true; complete: boolean }
  | { allowed: false; reason: 'not-draft' | 'four-eyes' | 'already-approved'; detail: string };

/**
 * Four eyes: the approver is neither the notice's creator nor its last editor, and has not
 * approved this revision already. `complete` when this approval reaches the required count.
 */
export function checkApproval(input: {
  status: NoticeStatus;
  createdBy: string;
  editedBy: string;
  approver: string;
  approversOfRevision: string[];
  required: number;
}): ApprovalCheck {
  if (!checkNoticeTransition(input.status, 'approved').allowed) {
    return {
      allowed: false,
      reason: 'not-draft',
      detail: `only a draft can be approved; this notice is ${input.status}`,
    };
  }
  if (input.approver === input.createdBy) {
    return {
      allowed: false,
      reason: 'four-eyes',
      detail: 'the approver must not be the notice’s creator (four eyes)',
    };
  }
  if (input.approver === input.editedBy) {
    return {
      allowed: false,
      reason: 'four-eyes',
      detail: 'the approver must not be the notice’s last editor (four eyes)',
    };
  }
  if (input.approversOfRevision.includes(input.approver)) {
    return {
      allowed: false,
      reason: 'already-approved',
      detail: 'this key has already approved this revision; another approver is needed',
    };
  }
  return { allowed: true, complete: input.approversOfRevision.length + 1 >= input.required };
}
