import { conflict } from '../errors.js';

/** An explicit lifecycle: which state may follow which. */
export type TransitionTable<S extends string> = Readonly<Record<S, readonly S[]>>;

export type TransitionCheck = { allowed: true } | { allowed: false; reason: string };

export function checkTransition<S extends string>(
  table: TransitionTable<S>,
  what: string,
  from: S,
  to: S,
): TransitionCheck {
  if (table[from].includes(to)) return { allowed: true };
  return { allowed: false, reason: `a ${what} cannot go from ${from} to ${to}` };
}

/**
 * For a move a client asked for: throws a conflict (409) when the table does not allow it, with
 * `detail` (what the API has always said for that move) or else the table's reason.
 */
export function assertTransition<S extends string>(
  table: TransitionTable<S>,
  what: string,
  from: S,
  to: S,
  detail?: string,
): void {
  const check = checkTransition(table, what, from, to);
  if (!check.allowed) throw conflict(detail ?? check.reason);
}
