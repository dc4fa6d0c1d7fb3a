import { MetricsService } from './metrics.service.js';

interface Family {
  name: string;
  type: string;
  help: string | undefined;
}

function families(exposition: string): Family[] {
  const help = new Map<string, string>();
  const out: Family[] = [];
  for (const line of exposition.split('\n')) {
    const m = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === 'HELP') help.set(m[2], m[3]);
    else out.push({ name: m[2], type: m[3], help: help.get(m[2]) });
  }
  return out;
}

describe('MetricsService', () => {
  // The naming rules `promtool check metrics` applies (CI also runs promtool on a live /metrics).
  it('should name every metric as Prometheus requires when exposed', async () => {
    const exposition = await new MetricsService().registry.metrics();
    const all = families(exposition);
    expect(all.length).toBeGreaterThan(20);
    for (const f of all) {
      expect(f.name).toMatch(/^herald_[a-z0-9_]+$/);
      expect(f.help).toBeTruthy();
      if (f.type === 'counter') expect(f.name).toMatch(/_total$/);
      else expect(f.name).not.toMatch(/_(total|count|sum|bucket)$/);
    }
  });

  it('should keep the active handle counts per type when the *_total gauges are dropped', async () => {
    const exposition = await new MetricsService().registry.metrics();
    const names = families(exposition).map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'herald_nodejs_active_handles',
        'herald_nodejs_active_requests',
        'herald_nodejs_active_resources',
      ]),
    );
    expect(
      names.filter((n) => n.startsWith('herald_nodejs_active_') && n.endsWith('_total')),
    ).toEqual([]);
    expect(exposition).toMatch(/^herald_nodejs_active_resources\{type="[^"]+"\} [1-9]/m);
  });
});
