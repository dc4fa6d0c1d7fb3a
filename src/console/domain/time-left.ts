/** "3 h 20 min left", "45 min overdue": how a person reads a deadline at a glance. */
export function timeLeft(dueAt: Date | string | null, now: Date): string {
  if (dueAt === null) return 'no fixed deadline';
  const ms = new Date(dueAt).getTime() - now.getTime();
  const abs = Math.abs(ms);
  const days = Math.floor(abs / 86_400_000);
  const hours = Math.floor((abs % 86_400_000) / 3_600_000);
  const minutes = Math.floor((abs % 3_600_000) / 60_000);
  const parts =
    days > 0
      ? [`${days} d`, `${hours} h`]
      : hours > 0
        ? [`${hours} h`, `${minutes} min`]
        : [`${minutes} min`];
  return `${parts.join(' ')} ${ms >= 0 ? 'left' : 'overdue'}`;
}

/** A UTC timestamp a person can read: 2026-12-01 10:05 UTC. */
export function readableUtc(at: Date | string | null): string {
  if (at === null) return '—';
  const iso = new Date(at).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
