import { Queue } from 'bullmq';
import { QUEUES } from '../../src/common/queues/queue-names.js';
import { startTestApp, TEST_REDIS_URL, TestApp } from '../support/test-app.js';

const sample = (text: string, name: string, labels: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
};

// Queue age for alerting (docs/operations.md): what waits for a worker, and for how long.
describe('queue metrics', () => {
  let t: TestApp; // API only: no worker takes the jobs, so they wait
  let notices: Queue;
  beforeAll(async () => {
    t = await startTestApp({ HERALD_ROLE: 'api' });
    notices = new Queue(QUEUES.notices, {
      prefix: t.queuePrefix,
      connection: { url: TEST_REDIS_URL },
    });
  });
  afterAll(async () => {
    await notices.close();
    await t.close();
  });

  it('should report every queue with nothing waiting when idle', async () => {
    const text = (await t.http.get('/metrics')).text;
    for (const queue of Object.values(QUEUES)) {
      expect(sample(text, 'herald_queue_oldest_ready_job_age_seconds', `queue="${queue}"`)).toBe(0);
      expect(sample(text, 'herald_queue_jobs', `queue="${queue}",state="waiting"`)).toBe(0);
    }
  });

  it('should report the age of the oldest job no worker has taken when jobs wait', async () => {
    const twoMinutesAgo = Date.now() - 120_000;
    await notices.add(
      'incident-resolved',
      { incidentId: 'x', scopeGeneration: 1 },
      {
        jobId: 'waiting-1',
        timestamp: twoMinutesAgo,
      },
    );
    await notices.add(
      'incident-resolved',
      { incidentId: 'y', scopeGeneration: 1 },
      {
        jobId: 'waiting-2',
      },
    );
    // A scrape reuses a sample for a second: wait that out.
    await new Promise((r) => setTimeout(r, 1100));
    const text = (await t.http.get('/metrics')).text;
    expect(sample(text, 'herald_queue_jobs', 'queue="notices",state="waiting"')).toBe(2);
    const age = sample(text, 'herald_queue_oldest_ready_job_age_seconds', 'queue="notices"');
    expect(age).toBeGreaterThanOrEqual(120);
    expect(age).toBeLessThan(180);
    expect(sample(text, 'herald_queue_oldest_ready_job_age_seconds', 'queue="fanout"')).toBe(0);
  });
});
