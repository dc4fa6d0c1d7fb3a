/** The bars of the deadline picture: how many tenants fall due in each time slice. */
export interface TimelineBar {
  x: number;
  y: number;
  width: number;
  height: number;
  count: number;
  label: string;
  overdue: boolean;
}

export interface Timeline {
  width: number;
  height: number;
  bars: TimelineBar[];
  nowX: number | null;
  axis: Array<{ x: number; label: string }>;
  total: number;
}

const WIDTH = 640;
const HEIGHT = 160;
const PLOT_TOP = 16;
const PLOT_BOTTOM = 130;
const SLICES = 24;

const hhmm = (ms: number) => new Date(ms).toISOString().slice(5, 16).replace('T', ' ');

/** Buckets the tenants' due times into equal slices from the first to the last; a pure picture of the data. */
export function deadlineTimeline(dueAts: string[], now: Date): Timeline {
  const times = dueAts.map((d) => Date.parse(d)).filter((t) => Number.isFinite(t));
  if (times.length === 0)
    return { width: WIDTH, height: HEIGHT, bars: [], nowX: null, axis: [], total: 0 };
  const start = Math.min(...times);
  const end = Math.max(...times);
  const span = Math.max(end - start, 3_600_000);
  const slice = span / SLICES;
  const counts = new Array<number>(SLICES).fill(0);
  for (const t of times) counts[Math.min(SLICES - 1, Math.floor((t - start) / slice))] += 1;
  const max = Math.max(...counts);
  const step = WIDTH / SLICES;
  const bars = counts.flatMap((count, i) => {
    if (count === 0) return [];
    const height = Math.max(2, Math.round(((PLOT_BOTTOM - PLOT_TOP) * count) / max));
    const from = start + i * slice;
    return [
      {
        x: Math.round(i * step) + 1,
        y: PLOT_BOTTOM - height,
        width: Math.max(1, Math.round(step) - 2),
        height,
        count,
        label: `${count} tenant${count === 1 ? '' : 's'} due ${hhmm(from)}–${hhmm(from + slice)} UTC`,
        overdue: from + slice <= now.getTime(),
      },
    ];
  });
  const x = (t: number) => Math.round(((t - start) / span) * WIDTH);
  const nowMs = now.getTime();
  return {
    width: WIDTH,
    height: HEIGHT,
    bars,
    nowX: nowMs >= start && nowMs <= start + span ? x(nowMs) : null,
    axis: [0, 0.5, 1].map((f) => ({
      x: Math.round(f * (WIDTH - 90)),
      label: hhmm(start + f * span),
    })),
    total: times.length,
  };
}
