import 'reflect-metadata';
import { ChildProcess, fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { AuditRepository } from '../src/audit/audit.repository.js';
import { AuditEventInput, AuditService } from '../src/audit/audit.service.js';
import { GENESIS_HASH, hashEvent, StoredEvent } from '../src/audit/domain/audit-chain.js';
import { SystemClock } from '../src/common/clock/clock.js';
import { loadConfig } from '../src/config/app-config.js';
import { dataSourceOptions } from '../src/database/data-source-options.js';

// The audit contention benchmark: events appended per second by 1, 2 and 4 writer processes,
// with the algorithm before sharding (one advisory lock for the whole chain) and with the
// sharded log. `npm run bench -- --audit`; see docs/benchmarks.md.

type Mode = 'global-lock' | 'sharded';
const MODES: Mode[] = ['global-lock', 'sharded'];

// The append Herald ran before the sharded log (src/audit/audit.service.ts at 0ad930a), kept here
// only for the comparison: every writer of every process takes the same lock until it commits.
async function globalLockAppend(manager: EntityManager, events: AuditEventInput[]): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock($1)', [7_245_001]);
  const head: Array<{ seq: string; hash: string }> = await manager.query(
    'SELECT a.seq::text AS seq, a.hash FROM audit_events a ORDER BY a.seq DESC LIMIT 1',
  );
  let seq = head.length ? BigInt(head[0].seq) : 0n;
  let prevHash = head[0]?.hash ?? GENESIS_HASH;
  const occurredAt = new Date().toISOString();
  const rows: StoredEvent[] = events.map((input) => {
    seq += 1n;
    const fields = {
      seq: seq.toString(),
      id: randomUUID(),
      occurredAt,
      actor: input.actor,
      action: input.action,
      entityType: input.entityType,
      entityId: input.entityId ?? null,
      incidentId: input.incidentId ?? null,
      change: input.change,
    };
    const row = { ...fields, prevHash, hash: hashEvent(prevHash, fields) };
    prevHash = row.hash;
    return row;
  });
  await manager.query(
    `INSERT INTO audit_events (seq, id, occurred_at, actor, action, entity_type, entity_id, incident_id, change, prev_hash, hash)
     SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[], $8::uuid[], $9::jsonb[], $10::text[], $11::text[])`,
    [
      rows.map((e) => e.seq),
      rows.map((e) => e.id),
      rows.map((e) => e.occurredAt),
      rows.map((e) => e.actor),
      rows.map((e) => e.action),
      rows.map((e) => e.entityType),
      rows.map((e) => e.entityId),
      rows.map((e) => e.incidentId),
      rows.map((e) => JSON.stringify(e.change)),
      rows.map((e) => e.prevHash),
      rows.map((e) => e.hash),
    ],
  );
}

function auditService(ds: DataSource, url: string): AuditService {
  const config = loadConfig({ DATABASE_URL: url, AUDIT_SHARDS: '32' });
  return new AuditService(new AuditRepository(ds), new SystemClock(), config);
}

const batch = (n: number, writer: number): AuditEventInput[] =>
  Array.from({ length: n }, (_, i) => ({
    actor: 'system',
    action: 'delivery.sent',
    entityType: 'delivery',
    entityId: `bench-${writer}-${i}`,
    incidentId: null,
    change: { tenantId: `tenant-${i}`, channel: 'email', status: { from: 'queued', to: 'sent' } },
  }));

/** One writer process: transactions of `batchSize` events, as many as it can in the window. */
async function child(): Promise<void> {
  const [mode, url, batchSize, concurrency, writer] = process.argv.slice(3);
  const ds = new DataSource(
    dataSourceOptions(url, { logging: false, extra: { max: Number(concurrency) + 1 } }),
  );
  await ds.initialize();
  const audit = auditService(ds, url);
  const events = batch(Number(batchSize), Number(writer));
  const append = (m: EntityManager) =>
    mode === 'global-lock' ? globalLockAppend(m, events) : audit.append(m, events);
  await ds.transaction(append); // connected and warm before the clock starts
  const window = await new Promise<{ start: number; end: number }>((resolve) => {
    process.once('message', resolve);
    process.send?.({ ready: true });
  });
  await new Promise((r) => setTimeout(r, Math.max(0, window.start - Date.now())));
  let counted = 0;
  await Promise.all(
    Array.from({ length: Number(concurrency) }, async () => {
      while (Date.now() < window.end) {
        await ds.transaction(append);
        if (Date.now() <= window.end) counted += events.length;
      }
    }),
  );
  await ds.destroy();
  process.send?.({ counted });
}

async function run(
  mode: Mode,
  url: string,
  writers: number,
  opts: { seconds: number; batch: number; concurrency: number },
): Promise<number> {
  const procs = Array.from({ length: writers }, (_, w) =>
    fork(
      import.meta.filename,
      ['--child', mode, url, String(opts.batch), String(opts.concurrency), String(w)],
      { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    ),
  );
  const next = (p: ChildProcess) =>
    new Promise<{ ready?: boolean; counted?: number }>((resolve, reject) => {
      p.once('message', resolve);
      p.once('exit', (code) => reject(new Error(`writer exited with ${code}`)));
    });
  await Promise.all(procs.map(next));
  const start = Date.now() + 200;
  const done = procs.map(next);
  for (const p of procs) p.send({ start, end: start + opts.seconds * 1000 });
  const counts = await Promise.all(done);
  await Promise.all(
    procs.map((p) => (p.exitCode === null ? new Promise((r) => p.once('exit', r)) : null)),
  );
  return counts.reduce((a, c) => a + (c.counted ?? 0), 0) / opts.seconds;
}

async function withScratchDatabase<T>(base: URL, work: (url: string) => Promise<T>): Promise<T> {
  const name = `herald_bench_audit_${randomBytes(4).toString('hex')}`;
  const admin = new URL(base);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`CREATE DATABASE "${name}"`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  try {
    const ds = new DataSource(dataSourceOptions(url.toString(), { logging: false }));
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });
    await ds.destroy();
    return await work(url.toString());
  } finally {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.end();
  }
}

/** Recomputes the log a run wrote: the figures count only events that verify. */
async function verifiedEvents(url: string): Promise<number> {
  const ds = new DataSource(dataSourceOptions(url, { logging: false }));
  await ds.initialize();
  try {
    const result = await auditService(ds, url).verify();
    if (!result.valid) throw new Error(`the log does not verify: ${JSON.stringify(result)}`);
    return result.events;
  } finally {
    await ds.destroy();
  }
}

export async function runAuditBench(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      seconds: { type: 'string', default: '5' },
      batch: { type: 'string', default: '10' },
      concurrency: { type: 'string', default: '1' },
      writers: { type: 'string', default: '1,2,4' },
    },
  });
  const opts = {
    seconds: Number(values.seconds),
    batch: Number(values.batch),
    concurrency: Number(values.concurrency),
  };
  const writerCounts = values.writers.split(',').map(Number);
  const base = new URL(loadConfig().get('DATABASE_URL'));
  const results: Record<Mode, Record<number, number>> = { 'global-lock': {}, sharded: {} };
  process.stdout.write(
    `audit append, ${opts.batch} events per transaction, ${opts.concurrency} transaction(s) at a time per process, ${opts.seconds} s per run\n`,
  );
  for (const writers of writerCounts) {
    for (const mode of MODES) {
      const rate = await withScratchDatabase(base, async (url) => {
        const perSecond = await run(mode, url, writers, opts);
        const stored = await verifiedEvents(url);
        if (stored < Math.round(perSecond * opts.seconds))
          throw new Error(`${mode}: ${stored} events verify, fewer than counted`);
        return perSecond;
      });
      results[mode][writers] = Math.round(rate);
      process.stdout.write(
        `${mode.padEnd(12)} ${writers} writer process(es): ${Math.round(rate)} events/s (load ${loadavg()[0].toFixed(2)})\n`,
      );
    }
  }
  process.stdout.write(`RESULT ${JSON.stringify({ audit: results, ...opts })}\n`);
}

if (process.argv[2] === '--child') {
  child().catch((err: unknown) => {
    process.stderr.write(`audit bench writer failed: ${String(err)}\n`);
    process.exit(1);
  });
} else if (process.argv[1] === import.meta.filename) {
  runAuditBench(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`audit bench failed: ${String(err)}\n`);
    process.exit(1);
  });
}
