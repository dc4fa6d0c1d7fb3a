import 'reflect-metadata';
import { ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { createTransport } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { DataSource } from 'typeorm';
import { createHttpApp } from '../src/app.factory.js';
import { runAuditBench } from './audit-bench.js';
import { QUEUES } from '../src/common/queues/queue-names.js';
import { loadConfig } from '../src/config/app-config.js';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { smtpPoolOptionsFromUrl, type OutgoingMail } from '../src/mail/mailer.js';
import { composeMail, toMessageOptions } from '../src/mail/message-builder.js';
import { NoticeRenderInput } from '../src/notices/domain/notice-renderer.js';
import { loadNoticeRenderer } from '../src/notices/template-files.js';
import { sampleNoticeRenderInput } from '../src/notices/domain/notice-render-fixtures.js';

// Fan-out benchmark: how fast Herald tells N tenants, against the bare components on the same
// machine in the same run.
//   npm run bench -- --tenants 100000
// Topology: this process is the harness (scratch database, the counting SMTP server, samplers,
// the HTTP client). Herald runs as the real app (createHttpApp, HERALD_ROLE=all) in a child
// process, so its RSS and CPU are its own and not the SMTP server's; `--workers K` adds K
// HERALD_ROLE=worker processes. Each ceiling component also runs alone in a child process,
// against the same SMTP server, Redis and Postgres. The last line is `RESULT {json}`.
// The relay (`--relay`): Postfix's C `smtp-sink` by default (it takes almost no CPU, so what is
// measured is the client), fetched with `apt-get download postfix` into var/postfix when missing
// and bound to 127.0.0.1 only; its same-run baselines are Postfix's `smtp-source` at the size of a
// rendered notice and pooled nodemailer by hand. `--relay node` uses the in-process smtp-server
// sink instead, which also counts the bytes (the correctness checks hold with either: each relay
// counts the messages it accepted).

const STATEMENTS_NOTE =
  "statements: pg Client.query calls in the Herald processes the harness started, not in the sender processes they fork (pg_stat_statements is not preloaded here); commits are the whole database's";

// As in the Dockerfile's NODE_OPTIONS: below 1 GiB V8 grows the heap by a smaller factor between
// full collections, so a process that turns over ~100 MB/s of rendered mail stays near its live size.
const HERALD_NODE_FLAGS = '--max-old-space-size=512';

const LOCALES = ['en-US', 'de-DE', 'pt-BR', 'ja-JP', 'en-GB', 'fr-FR', 'es-ES'];
const ZONES = [
  'Europe/Berlin',
  'America/Los_Angeles',
  'America/Sao_Paulo',
  'Asia/Tokyo',
  'Europe/London',
  'Europe/Paris',
];

/**
 * N tenants in one statement. Tenant g: country by g % 6 (DE, US-CA, BR, JP, GB, FR) with its
 * time zone; locale by g % 7; 1-3 notice contacts by g % 3 (and a billing contact, never
 * notified, on every fourth); every seventh repeats its primary address under the security role
 * in another case (one email, not two); every eleventh privacy contact reads French.
 */
const SEED_SQL = `
  INSERT INTO tenants (id, name, locale, time_zone, countries, country_match, data_regions, services, industries, flags, contractual_notice_hours, contacts)
  SELECT 'bench-' || lpad(g::text, 8, '0'), 'Tenant ' || g || ' Ltd', (ARRAY['${LOCALES.join("','")}'])[g % 7 + 1],
         (ARRAY['${ZONES.join("','")}'])[g % 6 + 1],
         c.countries, c.country_match, ARRAY['eu-west'], ARRAY['mail'],
         ARRAY[(ARRAY['technology','finance','retail','healthcare'])[g % 4 + 1]], '{}'::jsonb,
         CASE WHEN g % 3 = 0 THEN 24 END,
         (SELECT jsonb_agg(x) FROM (
            SELECT jsonb_build_object('name', 'Primary ' || g, 'email', 'ops@t' || g || '.example', 'role', 'primary') AS x WHERE g % 3 <> 0
            UNION ALL SELECT jsonb_build_object('name', 'Security ' || g, 'email', 'sec@t' || g || '.example', 'role', 'security') WHERE g % 3 <> 1
            UNION ALL SELECT jsonb_build_object('name', 'Privacy ' || g, 'email', 'dpo@t' || g || '.example', 'role', 'privacy')
                               || CASE WHEN g % 11 = 0 THEN '{"locale":"fr-FR"}'::jsonb ELSE '{}'::jsonb END WHERE g % 3 = 2
            UNION ALL SELECT jsonb_build_object('name', 'Same ' || g, 'email', 'OPS@t' || g || '.example', 'role', 'security') WHERE g % 7 = 0 AND g % 3 = 1
            UNION ALL SELECT jsonb_build_object('name', 'Billing ' || g, 'email', 'bill@t' || g || '.example', 'role', 'billing') WHERE g % 4 = 0
          ) contacts)
  FROM generate_series(1, $1::integer) AS g
  CROSS JOIN LATERAL (
    SELECT CASE g % 6 WHEN 0 THEN ARRAY['DE'] WHEN 1 THEN ARRAY['US-CA'] WHEN 2 THEN ARRAY['BR'] WHEN 3 THEN ARRAY['JP'] WHEN 4 THEN ARRAY['GB'] ELSE ARRAY['FR'] END AS countries,
           CASE g % 6 WHEN 0 THEN ARRAY['DE'] WHEN 1 THEN ARRAY['US', 'US-CA'] WHEN 2 THEN ARRAY['BR'] WHEN 3 THEN ARRAY['JP'] WHEN 4 THEN ARRAY['GB'] ELSE ARRAY['FR'] END AS country_match
  ) c`;

/** Distinct notice-role addresses per tenant: the emails one notice must send. */
const EXPECTED_EMAILS_SQL = `
  SELECT count(*)::int AS n FROM (
    SELECT DISTINCT t.id, lower(c->>'email') FROM tenants t, jsonb_array_elements(t.contacts) c
    WHERE c->>'role' IN ('primary', 'security', 'privacy')) x`;

const INCIDENT = {
  title: 'Unauthorized access to mail storage',
  severity: 'high',
  phase: 'containment',
  description:
    'On 27 November an attacker used a stolen support-engineer credential to read mailbox metadata on one storage cluster.\n\nWe revoked the credential within 40 minutes of detecting the activity. Our investigation is continuing.',
  dataImpact: {
    categories: ['personal'],
    description: 'Sender and recipient addresses of some messages.',
  },
  actionsTaken: [
    'Revoked the credential and every session it had opened.',
    'Rotated support access tokens.',
  ],
  suggestedActions: ['Review mailbox audit logs for the period.'],
  scope: { services: ['mail'] },
};

// SIGINT or SIGTERM: the waits give up, and the scratch database and queues are still removed.
let interrupted: string | null = null;

const mb = (bytes: number) => Math.round(bytes / 1_048_576);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) =>
  process.stderr.write(`bench ${new Date().toISOString().slice(11, 19)}: ${msg}\n`);
const load = () => loadavg().map((l) => Math.round(l * 100) / 100);

type ChildMessage =
  | { type: 'ready'; port?: number }
  | {
      type: 'stats';
      queries: number;
      maxRss: number;
      heapUsed: number;
      external: number;
      rss: number;
    }
  | { type: 'ceiling'; result: CeilingResult }
  | { type: 'progress'; text: string }
  | { type: 'error'; error: string };

interface CeilingResult {
  component: string;
  n: number;
  ms: number;
  perSecond: number;
  detail?: Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------
// Statement counting: every pg Client.query call in this process (BEGIN and COMMIT included),
// except those of clients marked as the harness's own.

const UNCOUNTED = Symbol('bench-uncounted');
let statements = 0;

function countStatements(): void {
  const proto = pg.Client.prototype as unknown as {
    query: (...args: unknown[]) => unknown;
    [UNCOUNTED]?: boolean;
  };
  const original = proto.query;
  proto.query = function (this: { [UNCOUNTED]?: boolean }, ...args: unknown[]) {
    if (!this[UNCOUNTED]) statements++;
    return original.apply(this, args);
  };
}

async function harnessClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: 'herald-bench' });
  (client as unknown as { [UNCOUNTED]: boolean })[UNCOUNTED] = true;
  await client.connect();
  return client;
}

function send(message: ChildMessage): void {
  process.send?.(message);
}

// ---------------------------------------------------------------------------------------------
// Herald child: the real app, as main.ts builds it, plus a statement counter.

function pickMemory(): { heapUsed: number; external: number; rss: number } {
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, external: m.external + m.arrayBuffers, rss: m.rss };
}

async function runHerald(): Promise<void> {
  countStatements();
  const config = loadConfig(process.env);
  const app = await createHttpApp(config);
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  process.on('message', (msg: { type: string }) => {
    if (msg.type === 'stats-gc') {
      global.gc?.();
      send({
        type: 'stats',
        queries: statements,
        maxRss: process.resourceUsage().maxRSS * 1024,
        ...pickMemory(),
      });
    }
    if (msg.type === 'stats')
      send({
        type: 'stats',
        queries: statements,
        maxRss: process.resourceUsage().maxRSS * 1024,
        ...pickMemory(),
      });
    if (msg.type === 'stop') {
      void app.close().then(() => process.exit(0));
    }
  });
  send({ type: 'ready', port });
}

// ---------------------------------------------------------------------------------------------
// Ceiling components, each alone in a child process.

function benchRenderInput(i: number): NoticeRenderInput {
  const base = sampleNoticeRenderInput();
  return {
    ...base,
    notice: {
      ...base.notice,
      content: { ...base.notice.content, title: INCIDENT.title, description: INCIDENT.description },
    },
    tenant: {
      id: `bench-${i}`,
      name: `Tenant ${i} Ltd`,
      locale: LOCALES[i % LOCALES.length],
      timeZone: ZONES[i % ZONES.length],
    },
  };
}

/** 1,000 tenants of one notice: the content object is shared, as it is in a fan-out. */
function oneNoticeInputs(): NoticeRenderInput[] {
  const inputs = Array.from({ length: 1000 }, (_, i) => benchRenderInput(i));
  const content = inputs[0].notice.content;
  for (const input of inputs) input.notice = { ...input.notice, content };
  return inputs;
}

async function ceilingRender(n: number, templatesDir: string): Promise<CeilingResult> {
  const renderer = loadNoticeRenderer(templatesDir);
  const inputs = oneNoticeInputs();
  let bytes = 0;
  for (let i = 0; i < 2000; i++)
    bytes += renderer.renderEmail(inputs[i % inputs.length]).html.length;
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const input = inputs[i % inputs.length];
    const email = renderer.renderEmail({
      ...input,
      tenant: { ...input.tenant, id: `bench-${i}`, name: `Tenant ${i} Ltd` },
    });
    bytes += email.html.length + email.text.length;
  }
  const ms = performance.now() - started;
  return {
    component: 'render',
    n,
    ms: Math.round(ms),
    perSecond: Math.round((n / ms) * 1000),
    detail: { avgChars: Math.round(bytes / n) },
  };
}

/**
 * Composing a rendered notice into the bytes the relay gets: Herald's composeMail (the body
 * parts encoded from their holes, the header fields written one by one with nodemailer's encoder)
 * against nodemailer's MailComposer building the same message options whole, in the same
 * process; both give the same bytes (test/unit/message-assembly.spec.ts).
 */
async function ceilingCompose(n: number, templatesDir: string): Promise<CeilingResult> {
  const renderer = loadNoticeRenderer(templatesDir);
  const emails = oneNoticeInputs().map((input, i) =>
    renderer.renderEmail({
      ...input,
      tenant: { ...input.tenant, id: `bench-${i}`, name: `Tenant ${i} Ltd` },
    }),
  );
  const mail = (i: number): OutgoingMail => {
    const email = emails[i % emails.length];
    const id = `0193a5b2-0000-7000-8000-${String(i).padStart(12, '0')}`;
    return {
      from: 'Herald <security-notices@localhost>',
      to: `sec@t${i}.example`,
      subject: email.subject,
      text: email.text,
      html: email.html,
      messageId: `<${id}@herald.local>`,
      date: new Date(1_800_000_000_000 + i),
      returnPath: `bounce+${i}@bounces.localhost`,
      headers: {
        'X-Herald-Delivery': id,
        'X-Herald-Notice': '0193a5b2-0000-7000-8000-000000000001',
        'X-Herald-Incident': 'INC-BENCH',
      },
    };
  };
  const herald = (i: number) =>
    composeMail(mail(i), 'many', undefined, renderer.holes(emails[i % emails.length]) ?? undefined);
  const nodemailer = (i: number) =>
    new MailComposer(toMessageOptions(mail(i), 'many')).compile().build();
  const rate = async (compose: (i: number) => Promise<unknown>, count: number) => {
    for (let i = 0; i < 500; i++) await compose(i);
    const started = performance.now();
    for (let i = 0; i < count; i++) await compose(i);
    const ms = performance.now() - started;
    return { ms, perSecond: Math.round((count / ms) * 1000) };
  };
  const ours = await rate(herald, n);
  const theirs = await rate(nodemailer, Math.min(n, 5000));
  return {
    component: 'compose',
    n,
    ms: Math.round(ours.ms),
    perSecond: ours.perSecond,
    detail: {
      nodemailerPerSecond: theirs.perSecond,
      ratioToNodemailer: Math.round((ours.perSecond / theirs.perSecond) * 100) / 100,
    },
  };
}

/**
 * Pooled nodemailer to the same SMTP server, messages the size of a real rendered notice. Two
 * ways of using it, both composing every message: plain sendMail(html, text), and the message
 * built to one buffer first and handed over raw (what Herald's mailer does); the faster one is
 * the component's figure. Also, for reference, the same prebuilt bytes sent again and again
 * (transport only, no composing).
 */
async function ceilingSmtp(
  n: number,
  smtpUrl: string,
  poolSize: number,
  templatesDir: string,
): Promise<CeilingResult> {
  const renderer = loadNoticeRenderer(templatesDir);
  const email = renderer.renderEmail(benchRenderInput(1));
  const transport = createTransport(
    smtpPoolOptionsFromUrl(smtpUrl, { poolSize, timeoutMs: 30_000 }),
  );
  const inFlight = Math.max(poolSize * 4, 50);
  const message = (i: number) => ({
    from: 'Herald <security-notices@localhost>',
    to: `sec@t${i}.example`,
    subject: email.subject,
    text: email.text,
    html: email.html,
    messageId: `<ceiling-${i}@herald.local>`,
    date: new Date(),
    headers: { 'X-Herald-Delivery': `ceiling-${i}`, 'Auto-Submitted': 'auto-generated' },
    xMailer: false as const,
  });
  const envelope = (i: number) => ({
    from: 'security-notices@localhost',
    to: [`sec@t${i}.example`],
  });
  const prebuilt = await new MailComposer(message(0)).compile().build();
  const variants: Record<string, (i: number) => Promise<unknown>> = {
    sendMail: (i) => transport.sendMail(message(i)),
    composeRaw: async (i) =>
      transport.sendMail({
        envelope: envelope(i),
        raw: await new MailComposer(message(i)).compile().build(),
      }),
    prebuiltRaw: (i) => transport.sendMail({ envelope: envelope(i), raw: prebuilt }),
  };
  const perSecond: Record<string, number> = {};
  let best = { ms: Infinity, name: '' };
  for (const [name, sendOne] of Object.entries(variants)) {
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < n) await sendOne(next++);
      }),
    );
    const ms = performance.now() - started;
    perSecond[name] = Math.round((n / ms) * 1000);
    if (name !== 'prebuiltRaw' && ms < best.ms) best = { ms, name };
    send({ type: 'progress', text: `smtp ${name}: ${perSecond[name]}/s` });
  }
  transport.close();
  return {
    component: 'smtp',
    n,
    ms: Math.round(best.ms),
    perSecond: Math.round((n / best.ms) * 1000),
    detail: { poolSize, inFlight, variant: best.name, perSecond, prebuiltBytes: prebuilt.length },
  };
}

async function ceilingBullmq(n: number, redisUrl: string, prefix: string): Promise<CeilingResult> {
  const connection = { url: redisUrl, maxRetriesPerRequest: null };
  const queue = new Queue('ceiling', { connection, prefix });
  const concurrency = 100;
  let done = 0;
  const worker = new Worker('ceiling', async () => undefined, { connection, prefix, concurrency });
  worker.on('completed', () => void done++);
  await worker.waitUntilReady();
  const started = performance.now();
  const chunk = 1000;
  for (let added = 0; added < n;) {
    // Bounded backlog, as Herald's fan-out keeps one: Redis memory stays flat.
    while (added - done > 20_000) await sleep(5);
    const count = Math.min(chunk, n - added);
    await queue.addBulk(
      Array.from({ length: count }, (_, k) => ({
        name: 'noop',
        data: { i: added + k },
        opts: { removeOnComplete: true, removeOnFail: true },
      })),
    );
    added += count;
  }
  while (done < n) await sleep(5);
  const ms = performance.now() - started;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return {
    component: 'bullmq',
    n,
    ms: Math.round(ms),
    perSecond: Math.round((n / ms) * 1000),
    detail: { concurrency },
  };
}

async function ceilingPg(n: number, databaseUrl: string): Promise<CeilingResult> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`CREATE TABLE bench_ceiling (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), notice_id uuid NOT NULL, tenant_id text NOT NULL,
      channel text NOT NULL, recipient text NOT NULL, status text NOT NULL, queued_at timestamptz NOT NULL DEFAULT now())`);
    const notice = '6d8f5b9a-0f3e-4c55-8d7e-2b1a9c4e7f21';
    const chunk = 10_000;
    const started = performance.now();
    for (let i = 0; i < n; i += chunk) {
      const count = Math.min(chunk, n - i);
      const tenants = Array.from({ length: count }, (_, k) => `bench-${i + k}`);
      const recipients = tenants.map((t) => `sec@${t}.example`);
      await client.query(
        `INSERT INTO bench_ceiling (notice_id, tenant_id, channel, recipient, status)
         SELECT $1, t, 'email', r, 'queued' FROM unnest($2::text[], $3::text[]) AS u(t, r)`,
        [notice, tenants, recipients],
      );
    }
    const ms = performance.now() - started;
    return {
      component: 'pg',
      n,
      ms: Math.round(ms),
      perSecond: Math.round((n / ms) * 1000),
      detail: { method: 'unnest INSERT, 10,000 rows per statement' },
    };
  } finally {
    await client.query('DROP TABLE IF EXISTS bench_ceiling');
    await client.end();
  }
}

async function runCeiling(component: string, n: number): Promise<void> {
  const config = loadConfig(process.env);
  let result: CeilingResult;
  switch (component) {
    case 'render':
      result = await ceilingRender(n, config.get('TEMPLATES_DIR'));
      break;
    case 'compose':
      result = await ceilingCompose(n, config.get('TEMPLATES_DIR'));
      break;
    case 'smtp':
      result = await ceilingSmtp(
        n,
        config.get('SMTP_URL') ?? '',
        config.get('SMTP_POOL_SIZE'),
        config.get('TEMPLATES_DIR'),
      );
      break;
    case 'bullmq':
      result = await ceilingBullmq(n, config.get('REDIS_URL'), config.get('QUEUE_PREFIX'));
      break;
    case 'pg':
      result = await ceilingPg(n, config.get('DATABASE_URL'));
      break;
    default:
      throw new Error(`unknown ceiling component ${component}`);
  }
  send({ type: 'ceiling', result });
}

// ---------------------------------------------------------------------------------------------
// Postfix's smtp-sink and smtp-source, unpacked from the Debian package (no daemon installed).

const POSTFIX_DIR = resolve(import.meta.dirname, '../../var/postfix');

function postfixBinaries(): { sink: string; source: string; env: NodeJS.ProcessEnv } {
  const sbin = join(POSTFIX_DIR, 'usr/sbin');
  if (!existsSync(join(sbin, 'smtp-sink'))) {
    mkdirSync(POSTFIX_DIR, { recursive: true });
    log(`fetching Postfix's smtp-sink and smtp-source into ${POSTFIX_DIR}`);
    execFileSync('apt-get', ['download', 'postfix'], { cwd: POSTFIX_DIR, stdio: 'inherit' });
    const deb = readdirSync(POSTFIX_DIR).find((f) => /^postfix_.*\.deb$/.test(f));
    if (!deb) throw new Error('apt-get download postfix left no postfix_*.deb');
    execFileSync('dpkg', ['-x', deb, '.'], { cwd: POSTFIX_DIR, stdio: 'inherit' });
  }
  return {
    sink: join(sbin, 'smtp-sink'),
    source: join(sbin, 'smtp-source'),
    env: { ...process.env, LD_LIBRARY_PATH: join(POSTFIX_DIR, 'usr/lib/postfix') },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

// smtp-sink refuses to run as root without a user to drop to.
const asUser = () => (process.getuid?.() === 0 ? ['-u', 'nobody'] : []);

/** Postfix's smtp-sink on 127.0.0.1; `-c` makes it print its running counters, read for `mesg=`. */
class PostfixSink implements Relay {
  readonly bytes = null;
  readonly recipients = null;
  private counted = 0;
  private offset = 0;
  private proc: ChildProcess | undefined;
  port = 0;

  get messages(): number {
    return this.counted - this.offset;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const bin = postfixBinaries();
    this.port = await freePort();
    const proc = spawn(bin.sink, [...asUser(), '-c', `127.0.0.1:${this.port}`, '1000'], {
      env: bin.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tail = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString('latin1')).slice(-200);
      const all = [...tail.matchAll(/mesg=(\d+)/g)];
      if (all.length) this.counted = Number(all[all.length - 1][1]);
    });
    proc.stderr.on('data', (chunk: Buffer) => log(`smtp-sink: ${chunk.toString().trim()}`));
    this.proc = proc;
    // Listening once a connection is accepted.
    for (let i = 0; i < 100; i++) {
      const ok = await new Promise<boolean>((r) => {
        const socket = connect(this.port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          r(true);
        });
        socket.once('error', () => r(false));
      });
      if (ok) return;
      await sleep(50);
    }
    throw new Error('smtp-sink did not start listening');
  }

  reset(): void {
    this.offset = this.counted;
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return;
    proc.kill();
    await new Promise((r) => proc.once('exit', r));
  }
}

/** smtp-source: `n` messages of `bytes` payload over `sessions` connections, each kept open (-d). */
async function runSmtpSource(
  port: number,
  n: number,
  bytes: number,
  sessions: number,
): Promise<CeilingResult> {
  const bin = postfixBinaries();
  const started = performance.now();
  const proc = spawn(
    bin.source,
    [
      '-d',
      '-s',
      String(sessions),
      '-l',
      String(bytes),
      '-m',
      String(n),
      '-f',
      'security-notices@localhost',
      '-t',
      'sec@t1.example',
      `127.0.0.1:${port}`,
    ],
    { env: bin.env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((r) => proc.once('exit', r));
  if (code !== 0) throw new Error(`smtp-source exited with ${code}: ${err.slice(-500)}`);
  const ms = performance.now() - started;
  return {
    component: 'smtp-source',
    n,
    ms: Math.round(ms),
    perSecond: Math.round((n / ms) * 1000),
    detail: { sessions, payloadBytes: bytes, reuseConnection: true },
  };
}

/** The size of one rendered notice as Herald's mailer builds it, for smtp-source's payload. */
async function renderedMessageBytes(templatesDir: string): Promise<number> {
  const email = loadNoticeRenderer(templatesDir).renderEmail(benchRenderInput(1));
  const raw = await new MailComposer({
    from: 'Herald <security-notices@localhost>',
    to: 'sec@t1.example',
    subject: email.subject,
    text: email.text,
    html: email.html,
    messageId: '<size@herald.local>',
  })
    .compile()
    .build();
  return raw.length;
}

// ---------------------------------------------------------------------------------------------
// Harness

interface Relay {
  readonly url: string;
  readonly port: number;
  readonly messages: number;
  /** Recipients of those messages, where the relay counts them (smtp-sink does not). */
  readonly recipients: number | null;
  /** Bytes received, where the relay counts them. */
  readonly bytes: number | null;
  start(): Promise<void>;
  reset(): void;
  stop(): Promise<void>;
}

class CountingSmtp implements Relay {
  messages = 0;
  recipients = 0;
  bytes = 0;
  private server: SMTPServer | undefined;
  port = 0;

  async start(): Promise<void> {
    const server = new SMTPServer({
      secure: false,
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      disableReverseLookup: true,
      logger: false,
      maxClients: 1000,
      onData: (stream, session, callback) => {
        let size = 0;
        stream.on('data', (chunk: Buffer) => (size += chunk.length));
        stream.on('end', () => {
          this.messages++;
          this.recipients += session.envelope.rcptTo.length;
          this.bytes += size;
          callback(null, 'OK: counted');
        });
      },
    });
    server.on('error', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  reset(): void {
    this.messages = 0;
    this.recipients = 0;
    this.bytes = 0;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    for (const connection of server.connections) connection.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

interface Child {
  proc: ChildProcess;
  /** The next message of this type (messages that came before anyone asked are kept). */
  next(type: ChildMessage['type']): Promise<ChildMessage>;
  request(type: string, expect: ChildMessage['type']): Promise<ChildMessage>;
  exited: Promise<number | null>;
}

function spawnChild(
  args: string[],
  env: Record<string, string | undefined>,
  logFile: string,
  execArgv: string[] = [],
): Child {
  const out = createWriteStream(logFile, { flags: 'a' });
  const proc = fork(new URL(import.meta.url).pathname, args, {
    env: { ...process.env, ...env },
    execArgv: ['--expose-gc', ...execArgv],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  proc.stdout?.pipe(out);
  proc.stderr?.pipe(out);
  const inbox: ChildMessage[] = [];
  let waiters: Array<{
    type: string;
    resolve: (m: ChildMessage) => void;
    reject: (e: Error) => void;
  }> = [];
  let ended: Error | undefined;
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const deliver = () => {
    for (const w of [...waiters]) {
      const i = inbox.findIndex((m) => m.type === w.type || m.type === 'error');
      if (i < 0) continue;
      const [m] = inbox.splice(i, 1);
      waiters = waiters.filter((x) => x !== w);
      if (m.type === 'error') w.reject(new Error(m.error));
      else w.resolve(m);
    }
  };
  proc.on('message', (m: ChildMessage) => {
    if (m.type === 'progress') return log(m.text);
    inbox.push(m);
    deliver();
  });
  void exited.then((code) => {
    ended = new Error(`child ${args.join(' ')} exited with ${code} (log: ${logFile})`);
    for (const w of waiters.splice(0)) w.reject(ended);
  });
  const next = (type: string) =>
    new Promise<ChildMessage>((resolve, reject) => {
      waiters.push({ type, resolve, reject });
      deliver();
      if (ended && waiters.some((w) => w.resolve === resolve)) reject(ended);
    });
  return {
    proc,
    next,
    exited,
    request(type, expect) {
      const p = next(expect);
      proc.send({ type });
      return p;
    },
  };
}

function databaseAt(base: string, name: string): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Removes every queue the run used, jobs and keys, under its own prefix. */
async function obliterateQueues(redisUrl: string, prefix: string, names: string[]): Promise<void> {
  for (const name of names) {
    const queue = new Queue(name, {
      connection: { url: redisUrl, maxRetriesPerRequest: null },
      prefix,
    });
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}

function vm(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number {
  if (pid === undefined) return 0;
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * CPU time (ms, user + system) from /proc: `of(pid)` one live process's own, `byName(comm)` every
 * process of that command with its reaped children's (a Postgres backend that exits between two
 * readings moves into the postmaster's cutime, so it counts once), `machine()` every core's busy
 * time (all but idle and iowait; steal apart). Differences of two readings are what a run cost,
 * whatever else the machine did to the wall clock.
 */
const CLK_TCK = 100; // getconf CLK_TCK on Linux x86_64
function statTicks(pid: number | string, withChildren: boolean): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command: state is field 3, utime 14, stime 15, cutime 16, cstime 17.
    const own = Number(f[11]) + Number(f[12]);
    return withChildren ? own + Number(f[13]) + Number(f[14]) : own;
  } catch {
    return 0;
  }
}
function commOf(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}
const cpu = {
  of: (pid: number) => (statTicks(pid, false) * 1000) / CLK_TCK,
  byName(comm: string): number {
    const pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d) && commOf(d) === comm);
    return (pids.reduce((s, pid) => s + statTicks(pid, true), 0) * 1000) / CLK_TCK;
  },
  machine(): { busy: number; steal: number } {
    const [, ...t] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq, steal] = t.map(Number);
    return {
      busy: ((user + nice + system + irq + softirq) * 1000) / CLK_TCK,
      steal: (steal * 1000) / CLK_TCK,
    };
  },
};

/** A process's children and theirs (Herald forks its extra sender processes itself). */
function descendants(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  let direct: number[] = [];
  try {
    direct = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
  return direct.flatMap((child) => [child, ...descendants(child)]);
}

async function http(
  port: number,
  method: string,
  path: string,
  key: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${key}`,
      ...(body ? { 'Content-Type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function main(): Promise<void> {
  if (process.argv.includes('--audit'))
    return runAuditBench(process.argv.slice(2).filter((a) => a !== '--audit'));
  const { values } = parseArgs({
    options: {
      tenants: { type: 'string', default: '10000' },
      workers: { type: 'string', default: '0' },
      'skip-ceiling': { type: 'boolean', default: false },
      // Only the bare components (to re-measure the ceiling when the load moved during a run).
      'ceiling-only': { type: 'boolean', default: false },
      'ceiling-max': { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      // Diagnostics: force a GC in Herald at each progress line, to see the live heap.
      'gc-probe': { type: 'boolean', default: false },
      // Node flags for the Herald processes: by default the heap limit the Dockerfile sets.
      'node-flag': { type: 'string', multiple: true, default: [HERALD_NODE_FLAGS] },
      'keep-db': { type: 'boolean', default: false },
      'stall-seconds': { type: 'string', default: '300' },
      // postfix: Postfix's smtp-sink (the default); node: the in-process smtp-server sink.
      relay: { type: 'string', default: 'postfix' },
      'source-sessions': { type: 'string', default: '20' },
    },
  });
  const tenants = Number(values.tenants);
  const extraWorkers = Number(values.workers);
  if (!Number.isInteger(tenants) || tenants < 1)
    throw new Error(`--tenants must be a positive whole number, got ${values.tenants}`);
  if (!Number.isInteger(extraWorkers) || extraWorkers < 0)
    throw new Error(`--workers must be 0 or more, got ${values.workers}`);

  const base = loadConfig();
  const name = `herald_bench_${randomBytes(4).toString('hex')}`;
  const url = databaseAt(base.get('DATABASE_URL'), name);
  const admin = databaseAt(base.get('DATABASE_URL'), 'postgres');
  const prefix = `bench${randomBytes(4).toString('hex')}`;
  const adminKey = `bench-admin-${randomBytes(16).toString('hex')}`;
  const logDir = join(tmpdir(), `herald-bench-${prefix}`);
  mkdirSync(logDir, { recursive: true });
  if (values.relay !== 'postfix' && values.relay !== 'node')
    throw new Error(`--relay must be postfix or node, got ${values.relay}`);
  const smtp: Relay = values.relay === 'node' ? new CountingSmtp() : new PostfixSink();
  await smtp.start();
  const messageBytes = await renderedMessageBytes(base.get('TEMPLATES_DIR'));
  log(`relay: ${values.relay} on ${smtp.url}; a rendered notice is ${messageBytes} bytes`);
  const childEnv: Record<string, string | undefined> = {
    DATABASE_URL: url,
    QUEUE_PREFIX: prefix,
    SMTP_URL: smtp.url,
    ADMIN_API_KEY: adminKey,
    RUN_MIGRATIONS: 'false',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    RATE_LIMIT_PER_MINUTE: '1000000',
    WORKER_HTTP: 'true',
  };
  const started = Date.now();
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => (interrupted = signal));
  const adminClient = await harnessClient(admin);
  await adminClient.query(`CREATE DATABASE "${name}"`);
  const children: Child[] = [];
  let db: pg.Client | undefined;
  try {
    // Scratch database: migrated and seeded with set-based SQL.
    const ds = new DataSource(dataSourceOptions(url, { logging: ['error'] }));
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });
    await ds.destroy();
    db = await harnessClient(url);
    let t = Date.now();
    await db.query(SEED_SQL, [tenants]);
    await db.query('ANALYZE tenants');
    const expectedEmails = (await db.query<{ n: number }>(EXPECTED_EMAILS_SQL)).rows[0].n;
    log(
      `seeded ${tenants} tenants (${expectedEmails} notice addresses) in ${Date.now() - t} ms; logs in ${logDir}`,
    );

    // The ceiling: each bare component alone, on N notices; measured before Herald and again
    // after it, and each component's better figure counts (the load of a shared machine moves).
    const ceilingN = Math.min(expectedEmails, Number(values['ceiling-max'] ?? expectedEmails));
    const passes: Array<Record<string, CeilingResult & { load: number[] }>> = [];
    const measureCeiling = async (pass: string) => {
      const results: Record<string, CeilingResult & { load: number[] }> = {};
      const poolSize = base.get('SMTP_POOL_SIZE');
      const components: Array<{ name: string; component: string; env?: Record<string, string> }> = [
        { name: 'render', component: 'render' },
        { name: 'compose', component: 'compose' },
        { name: 'pg', component: 'pg' },
        { name: 'bullmq', component: 'bullmq' },
        // Pooled nodemailer by hand, at Herald's pool size and at 20 connections.
        { name: 'smtp', component: 'smtp' },
        { name: 'smtp20', component: 'smtp', env: { SMTP_POOL_SIZE: '20' } },
        ...(values.relay === 'postfix' ? [{ name: 'smtp-source', component: 'smtp-source' }] : []),
      ];
      for (const { name: component, component: kind, env } of components) {
        smtp.reset();
        let result: CeilingResult;
        if (kind === 'smtp-source') {
          result = await runSmtpSource(
            smtp.port,
            ceilingN,
            messageBytes,
            Number(values['source-sessions']),
          );
        } else {
          const child = spawnChild(
            ['--ceiling', kind, '--n', String(ceilingN)],
            { ...childEnv, QUEUE_PREFIX: `${prefix}c`, ...env },
            join(logDir, `ceiling-${component}.log`),
          );
          result = ((await child.next('ceiling')) as Extract<ChildMessage, { type: 'ceiling' }>)
            .result;
          child.proc.kill();
          await child.exited;
        }
        if (kind === 'smtp' || kind === 'smtp-source')
          result.detail = {
            ...result.detail,
            poolSize: env?.SMTP_POOL_SIZE
              ? Number(env.SMTP_POOL_SIZE)
              : kind === 'smtp'
                ? poolSize
                : undefined,
            messages: smtp.messages,
            bytesPerMessage:
              smtp.bytes === null ? null : Math.round(smtp.bytes / Math.max(1, smtp.messages)),
          };
        results[component] = { ...result, load: load() };
        log(
          `ceiling (${pass}) ${component}: ${result.perSecond}/s (${ceilingN} in ${result.ms} ms; load ${load().join(' ')})`,
        );
      }
      passes.push(results);
      await db!.query('CHECKPOINT').catch(() => undefined);
    };
    if (!values['skip-ceiling']) await measureCeiling('before');
    if (values['ceiling-only']) {
      const only = passes[0] ?? {};
      const slowest = Object.values(only)
        .filter((c) => c.component !== 'smtp-source')
        .reduce((a, b) => (b.perSecond < a.perSecond ? b : a));
      process.stdout.write(
        `RESULT ${JSON.stringify({ ceilingOnly: true, n: ceilingN, component: slowest.component, perSecond: slowest.perSecond, components: only, load: load() })}\n`,
      );
      return;
    }
    smtp.reset();

    // Herald: the real app (HERALD_ROLE=all) in a child, plus optional worker-only children.
    t = Date.now();
    const profDir = join(logDir, 'prof');
    const execArgv = [
      ...(values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []),
      ...(values['node-flag'] ?? []),
    ];
    children.push(
      spawnChild(
        ['--herald'],
        { ...childEnv, HERALD_ROLE: 'all' },
        join(logDir, 'herald-all.log'),
        execArgv,
      ),
    );
    for (let i = 0; i < extraWorkers; i++) {
      children.push(
        spawnChild(
          ['--herald'],
          { ...childEnv, HERALD_ROLE: 'worker' },
          join(logDir, `herald-worker-${i}.log`),
          execArgv,
        ),
      );
    }
    const readies = await Promise.all(children.map((c) => c.next('ready')));
    const port = (readies[0] as Extract<ChildMessage, { type: 'ready' }>).port ?? 0;
    const idle = (await Promise.all(children.map((c) => c.request('stats-gc', 'stats')))).map(
      (m) => {
        const x = m as Extract<ChildMessage, { type: 'stats' }>;
        return `${mb(x.rss)}/${mb(x.heapUsed)}/${mb(x.external)}`;
      },
    );
    log(
      `Herald up in ${Date.now() - t} ms (${children.length} process(es)); port ${port}; after boot rss/heap/external ${idle.join(' ')} MB`,
    );

    const makeKey = async (roles: string[], keyName: string) => {
      const r = await http(port, 'POST', '/v1/api-keys', adminKey, { name: keyName, roles });
      if (r.status !== 201)
        throw new Error(`creating key failed: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.key as string;
    };
    const reporter = await makeKey(['reporter'], 'bench-incident-system');
    const comms = await makeKey(['comms'], 'bench-comms');

    // Samplers: Redis used_memory and the Herald processes' RSS every 100 ms.
    const redis = new Redis(base.get('REDIS_URL'));
    const memoryOf = async () =>
      Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
    const redisBase = await memoryOf();
    let redisPeak = redisBase;
    let rssPeak = 0;
    // Peak RSS (VmHWM) of every Herald process, the forked sender processes included.
    const hwm = new Map<number, number>();
    // The latest CPU reading of every Herald process (they are gone by the time the run is added up).
    const heraldCpu = new Map<number, number>();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        redisPeak = Math.max(redisPeak, await memoryOf());
        const pids = children.flatMap((c) => [c.proc.pid ?? 0, ...descendants(c.proc.pid)]);
        rssPeak = Math.max(
          rssPeak,
          pids.reduce((s, pid) => s + vm(pid, 'VmRSS'), 0),
        );
        for (const pid of pids) {
          hwm.set(pid, Math.max(hwm.get(pid) ?? 0, vm(pid, 'VmHWM')));
          const used = cpu.of(pid);
          if (used > 0) heraldCpu.set(pid, used);
        }
        await sleep(100);
      }
    })();
    const loads: number[][] = [load()];

    // Resolution: intake over HTTP until the initial notice is drafted.
    let harnessQueries = 0;
    const q = async <R extends pg.QueryResultRow>(
      sql: string,
      params: unknown[] = [],
    ): Promise<R[]> => {
      harnessQueries++;
      return (await db!.query<R>(sql, params)).rows;
    };
    const postedAt = Date.now();
    const post = await http(port, 'POST', '/v1/incidents', reporter, {
      externalId: `BENCH-${randomBytes(4).toString('hex')}`,
      awareAt: new Date(postedAt - 3_600_000).toISOString(),
      ...INCIDENT,
    });
    if (post.status !== 202)
      throw new Error(`intake failed: ${post.status} ${JSON.stringify(post.body)}`);
    const incidentId = post.body.id as string;
    let noticeId: string | undefined;
    for (;;) {
      const rows = await q<{ status: string; notice: string | null }>(
        `SELECT i.status, (SELECT n.id FROM notices n WHERE n.incident_id = i.id AND n.kind = 'initial') AS notice FROM incidents i WHERE i.id = $1`,
        [incidentId],
      );
      if (rows[0]?.status === 'awaiting-review' && rows[0].notice) {
        noticeId = rows[0].notice;
        break;
      }
      if (Date.now() - postedAt > 3_600_000)
        throw new Error('resolution did not finish within an hour');
      if (interrupted) throw new Error(`${interrupted} during resolution`);
      await sleep(50);
    }
    const resolutionMs = Date.now() - postedAt;
    log(`resolved and drafted in ${resolutionMs} ms`);

    // Delivery: approval by a second person, then until the incident is delivered.
    const statsOf = async () => {
      const all = await Promise.all(children.map((c) => c.request('stats', 'stats')));
      return all.reduce((s, m) => s + (m as Extract<ChildMessage, { type: 'stats' }>).queries, 0);
    };
    const xact = async () =>
      Number(
        (
          await q<{ x: string }>(
            `SELECT xact_commit AS x FROM pg_stat_database WHERE datname = $1`,
            [name],
          )
        )[0].x,
      );
    await sleep(1500); // pg_stat_database is flushed about once a second
    const queries0 = await statsOf();
    const xact0 = await xact();
    const harness0 = harnessQueries;
    loads.push(load());
    const heraldCpu0 = [...heraldCpu.values()].reduce((a, b) => a + b, 0);
    const walBytes = async () =>
      Number((await q<{ b: string }>(`SELECT wal_bytes::text AS b FROM pg_stat_wal`))[0].b);
    const wal0 = await walBytes();
    const cpu0 = {
      postgres: cpu.byName('postgres'),
      redis: cpu.byName('redis-server'),
      relay: cpu.byName('smtp-sink'),
      machine: cpu.machine(),
    };
    const approvedAt = Date.now();
    const approval = await http(port, 'POST', `/v1/notices/${noticeId}/approve`, comms);
    if (approval.status !== 200)
      throw new Error(`approve failed: ${approval.status} ${JSON.stringify(approval.body)}`);
    const stall = Number(values['stall-seconds']) * 1000;
    let lastCount = -1;
    let lastMove = Date.now();
    let lastLog = Date.now();
    let lastStatus = Date.now();
    // One message per tenant and locale carries several emails (one RCPT TO each): the relay
    // counts messages, the records say how many emails went out.
    const emailsSent = async () =>
      (
        await q<{ n: number }>(
          `SELECT count(*)::int AS n FROM deliveries WHERE notice_id = $1 AND channel = 'email' AND status = 'sent'`,
          [noticeId],
        )
      )[0].n;
    for (;;) {
      await sleep(200);
      if (smtp.messages !== lastCount) {
        lastCount = smtp.messages;
        lastMove = Date.now();
      }
      if (smtp.messages > 0 && Date.now() - lastStatus > 1000) {
        lastStatus = Date.now();
        const [row] = await q<{ status: string }>(`SELECT status FROM incidents WHERE id = $1`, [
          incidentId,
        ]);
        if (row.status === 'delivered') break;
      }
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        const s = (Date.now() - approvedAt) / 1000;
        const mem = (
          await Promise.all(
            children.map((c) => c.request(values['gc-probe'] ? 'stats-gc' : 'stats', 'stats')),
          )
        ).map((m) => {
          const x = m as Extract<ChildMessage, { type: 'stats' }>;
          return `${mb(x.rss)}/${mb(x.heapUsed)}/${mb(x.external)}`;
        });
        const sentNow = await emailsSent();
        log(
          `${sentNow}/${expectedEmails} emails in ${smtp.messages} messages, ${Math.round(sentNow / s)}/s, Redis peak ${mb(redisPeak)} MB, RSS peak ${mb(rssPeak)} MB (rss/heap/external ${mem.join(' ')}), load ${load().join(' ')}`,
        );
        loads.push(load());
      }
      if (Date.now() - lastMove > stall)
        throw new Error(
          `no message for ${stall / 1000} s: stalled at ${smtp.messages} messages, ${expectedEmails} emails expected`,
        );
      if (interrupted) {
        const s = (Date.now() - approvedAt) / 1000;
        throw new Error(
          `${interrupted} after ${Math.round(s)} s: ${await emailsSent()}/${expectedEmails} emails sent in ${smtp.messages} messages`,
        );
      }
    }
    const doneAt = Date.now();
    for (const pid of heraldCpu.keys())
      heraldCpu.set(pid, Math.max(heraldCpu.get(pid)!, cpu.of(pid)));
    const wal1 = await walBytes();
    const cpu1 = {
      herald: [...heraldCpu.values()].reduce((a, b) => a + b, 0),
      postgres: cpu.byName('postgres'),
      redis: cpu.byName('redis-server'),
      relay: cpu.byName('smtp-sink'),
      machine: cpu.machine(),
    };
    loads.push(load());
    await sleep(1500);
    const queries1 = await statsOf();
    const xact1 = await xact();
    const harnessInWindow = harnessQueries - harness0 + 1; // + the xact() read itself
    sampling = false;
    await sampler;
    redis.disconnect();
    const maxRss = (await Promise.all(children.map((c) => c.request('stats', 'stats')))).map(
      (m) => (m as Extract<ChildMessage, { type: 'stats' }>).maxRss,
    );

    const [timing] = await q<{
      emails: number;
      sent: number;
      failed: number;
      queued: number;
      dashboard: number;
      messages: number;
      last_ms: number;
      p50: number;
      p99: number;
      max_ms: number;
    }>(
      `SELECT count(*) FILTER (WHERE d.channel = 'email')::int AS emails,
              count(*) FILTER (WHERE d.status = 'sent')::int AS sent,
              count(*) FILTER (WHERE d.status = 'failed')::int AS failed,
              count(*) FILTER (WHERE d.status = 'queued')::int AS queued,
              count(*) FILTER (WHERE d.channel = 'dashboard')::int AS dashboard,
              count(DISTINCT d.message_id) FILTER (WHERE d.channel = 'email' AND d.status = 'sent')::int AS messages,
              (extract(epoch FROM max(coalesce(d.sent_at, d.failed_at)) - min(n.approved_at)) * 1000)::float AS last_ms,
              (percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.sent_at - n.approved_at)) FILTER (WHERE d.channel = 'email') * 1000)::float AS p50,
              (percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM d.sent_at - n.approved_at)) FILTER (WHERE d.channel = 'email') * 1000)::float AS p99,
              (extract(epoch FROM max(d.sent_at) FILTER (WHERE d.channel = 'email') - min(n.approved_at)) * 1000)::float AS max_ms
       FROM deliveries d JOIN notices n ON n.id = d.notice_id WHERE d.notice_id = $1`,
      [noticeId],
    );
    const [audit] = await q<{ sent_events: number; feed: number }>(
      `SELECT (SELECT count(*) FROM audit_events WHERE action = 'delivery.sent' AND incident_id = $1)::int AS sent_events,
              (SELECT count(*) FROM feed_posts WHERE notice_id = $2)::int AS feed`,
      [incidentId, noticeId],
    );
    // What the SMTP server received from Herald, before the second ceiling pass reuses it.
    const received = { messages: smtp.messages, recipients: smtp.recipients, bytes: smtp.bytes };
    for (const c of children) {
      c.proc.send({ type: 'stop' });
      await Promise.race([c.exited, sleep(30_000)]);
    }
    if (!values['skip-ceiling']) await measureCeiling('after');
    const ceiling: Record<string, CeilingResult & { load: number[]; passes: number[] }> = {};
    for (const component of Object.keys(passes[0] ?? {})) {
      const best = passes
        .map((p) => p[component])
        .reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
      ceiling[component] = { ...best, passes: passes.map((p) => p[component].perSecond) };
    }
    const emails = timing.emails;
    const throughput = Math.round((emails / timing.last_ms) * 1000);
    // The ceiling is Herald's own components at its settings; smtp-source and the 20-connection
    // pool are baselines of what the relay path carries, reported beside it.
    const own = Object.entries(ceiling)
      .filter(([k]) => k !== 'smtp-source' && k !== 'smtp20')
      .map(([, c]) => c);
    const ceilingPerSecond = own.length ? Math.min(...own.map((c) => c.perSecond)) : null;
    const ceilingComponent = own.find((c) => c.perSecond === ceilingPerSecond)?.component ?? null;
    const ratio = (name: string) =>
      ceiling[name] ? Math.round((throughput / ceiling[name].perSecond) * 100) / 100 : null;
    const perEmail = (ms: number) => Math.round((ms / emails) * 1000) / 1000;
    const checks = {
      emailsAsExpected: emails === expectedEmails,
      allSent:
        timing.sent === emails + timing.dashboard && timing.queued === 0 && timing.failed === 0,
      // Each message Herald recorded reached the relay once (a resent one would count twice),
      // and, where the relay counts them, each email was one recipient of one of them.
      noDuplicates:
        received.messages === timing.messages &&
        (received.recipients === null || received.recipients === emails),
      dashboardPerTenant: timing.dashboard === tenants && audit.feed === tenants,
      auditEventPerSend: audit.sent_events === timing.sent,
    };
    const result = {
      tenants,
      emails,
      dashboardPosts: timing.dashboard,
      resolutionMs,
      approvalToLastRecordMs: Math.round(timing.last_ms),
      approvalToLastEmailMs: Math.round(timing.max_ms),
      harnessSawDeliveredMs: doneAt - approvedAt,
      emailsPerSecond: throughput,
      messages: timing.messages,
      messagesPerSecond: Math.round((timing.messages / timing.last_ms) * 1000),
      approvalToSentP50Ms: Math.round(timing.p50),
      approvalToSentP99Ms: Math.round(timing.p99),
      heraldProcesses: hwm.size,
      heraldPeakRssMb: mb([...hwm.values()].reduce((a, b) => a + b, 0)),
      heraldPeakRssEachMb: [...hwm.values()].map(mb),
      heraldChildMaxRssMb: maxRss.map(mb),
      heraldSampledPeakRssMb: mb(rssPeak),
      redisPeakUsedMemoryMb: mb(redisPeak),
      redisBaseUsedMemoryMb: mb(redisBase),
      // CPU per email from approval to the last record, by process (see `cpu`): what a change
      // saves shows here even when the machine's speed moves between runs.
      cpuMsPerEmail: {
        herald: perEmail(cpu1.herald - heraldCpu0),
        postgres: perEmail(cpu1.postgres - cpu0.postgres),
        redis: perEmail(cpu1.redis - cpu0.redis),
        relay: perEmail(cpu1.relay - cpu0.relay),
        machine: perEmail(cpu1.machine.busy - cpu0.machine.busy),
        steal: perEmail(cpu1.machine.steal - cpu0.machine.steal),
      },
      // Postgres's write-ahead log over the same span (the whole server's; nothing else writes).
      walBytesPerEmail: Math.round((wal1 - wal0) / emails),
      statementsPerEmail: Math.round(((queries1 - queries0) / emails) * 100) / 100,
      xactCommitsPerEmail: Math.round(((xact1 - xact0 - harnessInWindow) / emails) * 100) / 100,
      smtpBytesPerMessage:
        received.bytes === null
          ? null
          : Math.round(received.bytes / Math.max(1, received.messages)),
      relay: values.relay,
      renderedMessageBytes: messageBytes,
      baselines: {
        smtpSourcePerSecond: ceiling['smtp-source']?.perSecond ?? null,
        nodemailerPerSecond: ceiling.smtp?.perSecond ?? null,
        nodemailer20PerSecond: ceiling.smtp20?.perSecond ?? null,
        ratioToSmtpSource: ratio('smtp-source'),
        ratioToNodemailer: ratio('smtp'),
        ratioToNodemailer20: ratio('smtp20'),
      },
      ceiling:
        ceilingPerSecond === null
          ? null
          : {
              component: ceilingComponent,
              perSecond: ceilingPerSecond,
              n: ceilingN,
              components: ceiling,
            },
      ratioToCeiling:
        ceilingPerSecond === null ? null : Math.round((throughput / ceilingPerSecond) * 100) / 100,
      checks,
      nodeFlags: values['node-flag'],
      settings: Object.fromEntries(
        (['SMTP_POOL_SIZE', 'DELIVERY_LEASE_MS', 'FANOUT_PAGE_SIZE'] as const).map((k) => [
          k,
          base.get(k),
        ]),
      ),
      load: loads,
      notes: STATEMENTS_NOTE,
      totalMs: Date.now() - started,
      node: process.version,
    };
    if (!Object.values(checks).every(Boolean)) process.exitCode = 1;
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  } finally {
    for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
    await db?.end();
    await obliterateQueues(base.get('REDIS_URL'), prefix, Object.values(QUEUES));
    await obliterateQueues(base.get('REDIS_URL'), `${prefix}c`, ['ceiling']);
    if (values['keep-db']) log(`kept database ${name}`);
    else await adminClient.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await adminClient.end();
    await smtp.stop();
  }
}

async function child(): Promise<void> {
  const { values } = parseArgs({
    options: { herald: { type: 'boolean' }, ceiling: { type: 'string' }, n: { type: 'string' } },
    strict: false,
  });
  if (values.herald) return runHerald();
  if (typeof values.ceiling === 'string') return runCeiling(values.ceiling, Number(values.n));
  return main();
}

child().catch((err: unknown) => {
  const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
  if (process.send) send({ type: 'error', error: text });
  process.stderr.write(`bench: ${text}\n`);
  process.exit(1);
});
