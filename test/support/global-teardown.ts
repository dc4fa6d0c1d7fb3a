import { dropRunDatabases, runId } from './databases.js';

export default async function globalTeardown(): Promise<void> {
  await dropRunDatabases(runId());
}
