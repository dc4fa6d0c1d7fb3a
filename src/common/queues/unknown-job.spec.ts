import { UnrecoverableError } from 'bullmq';
import { unknownJob } from './unknown-job.js';

describe('unknownJob', () => {
  it('should fail without retries and name the job and the queue when a job is misrouted', () => {
    let thrown: unknown;
    try {
      unknownJob('fanout', { name: 'retention', id: 'r-1' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UnrecoverableError);
    expect((thrown as Error).message).toBe(
      'job retention (r-1) does not belong on the fanout queue',
    );
  });
});
