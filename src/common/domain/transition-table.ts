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
