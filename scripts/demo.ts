import 'reflect-metadata';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createHttpApp, createLogger } from '../src/app.factory.js';
import { loadConfig } from '../src/config/app-config.js';
import { APP_ROOT } from '../src/config/paths.js';

// `npm run demo`: the whole flow against the local Postgres and Redis, with mail written to
// .eml files (no relay needed), printed as a story a person can follow.

const POSTGRES_URL = process.env.DEMO_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const OUTBOX = resolve(APP_ROOT, 'var/demo-outbox');

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
const say = (s = '') => process.stdout.write(`${s}\n`);
const heading = (s: string) => say(`\n${bold(`▌ ${s}`)}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

async function postgresUp(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

async function redisUp(): Promise<boolean> {
  const redis = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    await redis.ping();
    return true;
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** Starts Postgres and Redis when they are installed but stopped; explains what to install otherwise. */
async function ensureServices(): Promise<void> {
  if (!(await postgresUp())) {
    if (which('pg_ctlcluster') && existsSync('/etc/postgresql')) {
      say(dim('PostgreSQL is installed but stopped: starting it'));
      const version = readdirSync('/etc/postgresql')[0];
      execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], {
        stdio: 'inherit',
      });
      for (let i = 0; i < 30 && !(await postgresUp()); i++) await sleep(500);
    }
    if (!(await postgresUp())) {
      throw new Error(
        `PostgreSQL is not reachable at ${POSTGRES_URL}. Install it (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql) ` +
          'with trust authentication for local connections, or point DEMO_DATABASE_URL at a server, or run `docker compose up postgres redis`.',
      );
    }
  }
  if (!(await redisUp())) {
    if (which('redis-server')) {
      say(dim('Redis is installed but stopped: starting it'));
      execFileSync(
        'redis-server',
        [
          '--daemonize',
          'yes',
          '--bind',
          '127.0.0.1',
          '--port',
          '6379',
          '--save',
          '',
          '--appendonly',
          'no',
        ],
        { stdio: 'inherit' },
      );
      for (let i = 0; i < 30 && !(await redisUp()); i++) await sleep(300);
    }
    if (!(await redisUp())) {
      throw new Error(
        `Redis is not reachable at ${REDIS_URL}. Install it (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) or set REDIS_URL.`,
      );
    }
  }
}

async function freshDatabase(): Promise<string> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  await client.query('DROP DATABASE IF EXISTS herald_demo WITH (FORCE)');
  await client.query('CREATE DATABASE herald_demo');
  await client.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = '/herald_demo';
  return url.toString();
}

const DEMO_TENANTS = [
  {
    id: 'bergbau-gmbh',
    name: 'Bergbau GmbH',
    countries: ['DE'],
    locale: 'de-DE',
    timeZone: 'Europe/Berlin',
    industries: ['critical-infrastructure'],
    flags: { essentialEntity: true },
  },
  {
    id: 'banque-lumiere',
    name: 'Banque Lumière',
    countries: ['FR'],
    locale: 'fr-FR',
    timeZone: 'Europe/Paris',
    industries: ['finance'],
  },
  {
    id: 'sunset-health',
    name: 'Sunset Health',
    countries: ['US-CA'],
    locale: 'en-US',
    timeZone: 'America/Los_Angeles',
    industries: ['healthcare'],
    contractualNoticeHours: 48,
  },
  {
    id: 'hudson-capital',
    name: 'Hudson Capital',
    countries: ['US-NY'],
    locale: 'en-US',
    timeZone: 'America/New_York',
    industries: ['finance'],
    flags: { publicCompany: true },
  },
  {
    id: 'loja-aurora',
    name: 'Loja Aurora',
    countries: ['BR'],
    locale: 'pt-BR',
    timeZone: 'America/Sao_Paulo',
    industries: ['retail'],
  },
  {
    id: 'sakura-shoji',
    name: 'Sakura Shoji',
    countries: ['JP'],
    locale: 'ja-JP',
    timeZone: 'Asia/Tokyo',
    industries: ['technology'],
  },
  {
    id: 'thames-learning',
    name: 'Thames Learning',
    countries: ['GB'],
    locale: 'en-GB',
    timeZone: 'Europe/London',
    industries: ['education'],
  },
  {
    id: 'merlion-logistics',
    name: 'Merlion Logistics',
    countries: ['SG'],
    locale: 'en-SG',
    timeZone: 'Asia/Singapore',
    industries: ['other'],
  },
  {
    id: 'harbour-bank',
    name: 'Harbour Bank',
    countries: ['AU'],
    locale: 'en-AU',
    timeZone: 'Australia/Sydney',
    industries: ['finance'],
  },
  {
    id: 'madrid-retail',
    name: 'Madrid Retail S.A.',
    countries: ['ES'],
    locale: 'es-ES',
    timeZone: 'Europe/Madrid',
    industries: ['retail'],
  },
  {
    id: 'maple-gov',
    name: 'Maple Agency',
    countries: ['CA', 'US'],
    locale: 'en-CA',
    timeZone: 'America/Toronto',
    industries: ['government'],
    flags: { federalAgency: true },
  },
  {
    id: 'files-only-co',
    name: 'Files Only Co',
    countries: ['DE'],
    locale: 'de-DE',
    timeZone: 'Europe/Berlin',
    industries: ['technology'],
    services: ['files'],
  },
].map((t) => ({
  services: ['mail'],
  dataRegions: ['eu-west'],
  flags: {},
  ...t,
  contacts: [
    { name: `${t.name} security`, email: `security@${t.id}.example`, role: 'security' },
    { name: `${t.name} DPO`, email: `dpo@${t.id}.example`, role: 'privacy' },
    { name: `${t.name} billing`, email: `billing@${t.id}.example`, role: 'billing' },
  ],
}));

async function main(): Promise<void> {
  const started = Date.now();
  say(bold('Herald demo: notify affected tenants of a security incident'));
  await ensureServices();
  const databaseUrl = await freshDatabase();
  rmSync(OUTBOX, { recursive: true, force: true });
  const adminKey = `demo-admin-${randomBytes(16).toString('hex')}`;
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    QUEUE_PREFIX: `herald-demo-${randomBytes(3).toString('hex')}`,
    ADMIN_API_KEY: adminKey,
    OUTBOX_DIR: OUTBOX,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'text',
    RUN_MIGRATIONS: 'true',
    MAIL_FROM: 'Demo Cloud Security <security-notices@demo-cloud.example>',
    PROVIDER_NAME: 'Demo Cloud',
    PROVIDER_CONTACT: 'security@demo-cloud.example',
    WEBHOOK_SECRET_KEY: randomBytes(32).toString('hex'),
  });
  const app = await createHttpApp(config, createLogger(config));
  await app.listen(0, '127.0.0.1');
  const base = await app.getUrl();
  say(
    dim(
      `Herald is running at ${base} (OpenAPI at ${base}/docs), database herald_demo, mail to ${OUTBOX}`,
    ),
  );

  const call = async <T>(
    key: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${key}`,
        ...(body ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  const keyFor = async (name: string, roles: string[]) =>
    (await call<{ key: string }>(adminKey, 'POST', '/v1/api-keys', { name, roles })).body.key;
  const until = async <T>(fn: () => Promise<T | undefined>, what: string): Promise<T> => {
    for (let i = 0; i < 600; i++) {
      const v = await fn();
      if (v !== undefined) return v;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  try {
    heading('1. The directory: a dozen tenants across countries and languages');
    const reporter = await keyFor('incident-bot', ['reporter']);
    const alice = await keyFor('alice', ['comms']);
    const bob = await keyFor('bob', ['comms']);
    const auditor = await keyFor('carol', ['auditor']);
    const bulk = await call<{ created: number }>(adminKey, 'POST', '/v1/tenants/bulk', {
      tenants: DEMO_TENANTS,
    });
    say(
      `${bulk.body.created} tenants created: ${DEMO_TENANTS.map((t) => `${t.id} (${t.countries.join('/')}, ${t.locale})`).join(', ')}`,
    );

    heading('2. The security team confirms an incident: "notify affected tenants"');
    const awareAt = new Date(Date.now() - 2 * 3600_000).toISOString();
    const incidentBody = {
      externalId: 'SEC-2026-0042',
      title: 'Unauthorized access to mail metadata',
      severity: 'high',
      phase: 'eradication',
      awareAt,
      description:
        'A stolen support credential was used to read mailbox metadata (sender, recipient, subject) on part of the mail service.',
      dataImpact: {
        categories: ['personal', 'phi'],
        description: 'Sender and recipient addresses and subject lines of some messages.',
        dataSubjectsEstimate: 12000,
      },
      actionsTaken: [
        'Revoked the credential and all support sessions',
        'Rotated support access tokens',
        'Added hardware-key sign-in for support staff',
      ],
      suggestedActions: [
        'Review mailbox audit logs for unusual access',
        'Warn users to expect phishing that quotes real subjects',
      ],
      scope: { services: ['mail'] },
    };
    const posted = await call<{ id: string; status: string }>(
      reporter,
      'POST',
      '/v1/incidents',
      incidentBody,
    );
    say(`POST /v1/incidents → ${posted.status} ${JSON.stringify(posted.body)}`);
    const again = await call<{ id: string }>(reporter, 'POST', '/v1/incidents', incidentBody);
    say(
      `The same post again → ${again.status} (same id: ${again.body.id === posted.body.id}); nobody is notified twice`,
    );
    const incidentId = posted.body.id;

    heading('3. Affected tenants and their deadlines');
    const incident = await until(async () => {
      const r = await call<{
        status: string;
        affectedTenantCount: number;
        earliestNoticeDueAt: string;
      }>(auditor, 'GET', `/v1/incidents/${incidentId}`);
      return r.body.status === 'resolving' ? undefined : r.body;
    }, 'resolution');
    say(
      `${incident.affectedTenantCount} tenants affected (files-only-co uses another service); the earliest notice is due ${incident.earliestNoticeDueAt}`,
    );
    const tenants = await call<{
      items: Array<{
        tenantId: string;
        noticeDueAt: string;
        obligations: Array<{ regulationId: string; notifier: string; dueAt: string | null }>;
      }>;
    }>(auditor, 'GET', `/v1/incidents/${incidentId}/tenants?limit=100`);
    for (const t of tenants.body.items) {
      const provider = t.obligations
        .filter((o) => o.notifier === 'provider')
        .map((o) => o.regulationId);
      const own = t.obligations
        .filter((o) => o.notifier === 'tenant')
        .map((o) => `${o.regulationId}${o.dueAt ? ` by ${o.dueAt.slice(0, 16)}Z` : ''}`);
      say(
        `  ${t.tenantId.padEnd(18)} notify by ${t.noticeDueAt.slice(0, 16)}Z  [we owe: ${provider.join(', ')}]${own.length ? `  [they may owe: ${own.join('; ')}]` : ''}`,
      );
    }

    heading('4. The draft, an edit, and four-eyes approval');
    const notices = await until(async () => {
      const r = await call<{
        items: Array<{ id: string; status: string; createdBy: string; revision: number }>;
      }>(alice, 'GET', `/v1/incidents/${incidentId}/notices`);
      return r.body.items[0];
    }, 'the initial draft');
    say(
      `Initial notice ${notices.id} drafted automatically (revision ${notices.revision}, author ${notices.createdBy})`,
    );
    const edited = await call<{ revision: number; editedBy: string }>(
      alice,
      'PATCH',
      `/v1/notices/${notices.id}`,
      {
        suggestedActions: [
          ...incidentBody.suggestedActions,
          'Rotate any credentials that were sent by email',
        ],
        translations: { ja: { title: 'メールのメタデータへの不正アクセス' } },
      },
    );
    say(`alice edits it → revision ${edited.body.revision} (last editor: ${edited.body.editedBy})`);
    const preview = await call<{ subject: string; locale: string }>(
      alice,
      'GET',
      `/v1/notices/${notices.id}/preview?tenantId=sakura-shoji&channel=email`,
    );
    say(`Preview for sakura-shoji (${preview.body.locale}): "${preview.body.subject}"`);
    const selfApprove = await call<{ detail: string }>(
      alice,
      'POST',
      `/v1/notices/${notices.id}/approve`,
    );
    say(`alice approves her own edit → ${selfApprove.status}: ${selfApprove.body.detail}`);
    const approved = await call<{ status: string; approvedBy: string; approvedSha256: string }>(
      bob,
      'POST',
      `/v1/notices/${notices.id}/approve`,
    );
    say(
      `bob approves → ${approved.status} ${approved.body.status} by ${approved.body.approvedBy}, content sha256 ${approved.body.approvedSha256.slice(0, 16)}…`,
    );

    heading('5. Delivery: email to tenant administrators, and each tenant’s dashboard feed');
    const delivered = await until(async () => {
      const r = await call<{ status: string; deliveries: Record<string, number> }>(
        auditor,
        'GET',
        `/v1/incidents/${incidentId}`,
      );
      return r.body.status === 'delivered' ? r.body : undefined;
    }, 'delivery');
    say(
      `Incident ${delivered.status}: ${JSON.stringify(delivered.deliveries)} (billing contacts get no notice)`,
    );
    const files = readdirSync(OUTBOX, { recursive: true }).filter((f) =>
      String(f).endsWith('.eml'),
    );
    say(`${files.length} emails written as .eml files under ${OUTBOX}`);
    const tenantKey = (
      await call<{ key: string }>(adminKey, 'POST', '/v1/api-keys', {
        name: 'sakura-shoji portal',
        roles: ['tenant'],
        tenantId: 'sakura-shoji',
      })
    ).body.key;
    const feed = await call<{ items: Array<{ title: string; date_published: string }> }>(
      tenantKey,
      'GET',
      '/v1/tenants/sakura-shoji/feed',
    );
    say(
      `sakura-shoji's feed: ${feed.body.items.map((i) => `"${i.title}" (${i.date_published})`).join(', ')}`,
    );
    const peek = await call<unknown>(tenantKey, 'GET', '/v1/tenants/bergbau-gmbh/feed');
    say(`sakura-shoji's key reading bergbau-gmbh's feed → ${peek.status}`);

    heading('6. What the auditor sees');
    const report = await call<Record<string, unknown>>(
      auditor,
      'GET',
      `/v1/incidents/${incidentId}/compliance`,
    );
    if (report.status === 200) {
      const summary = (report.body.summary ?? {}) as Record<string, unknown>;
      say(`Compliance report: ${JSON.stringify(summary)}`);
    } else {
      say(`Compliance report → ${report.status}`);
    }
    const verify = await call<{ valid: boolean; events: number }>(
      auditor,
      'GET',
      '/v1/audit/verify',
    );
    say(`Audit log hash chain: valid=${verify.body.valid} over ${verify.body.events} events`);
    say(dim(`\nWalkthrough done in ${((Date.now() - started) / 1000).toFixed(1)} s.`));

    heading('7. Now in the review console');
    // A second incident, still awaiting review, for the newcomer to edit as one person and
    // approve as another (the first one is delivered, so it has left the board).
    const second = await call<{ id: string }>(reporter, 'POST', '/v1/incidents', {
      ...incidentBody,
      externalId: `${incidentBody.externalId}-B`,
      title: 'Leaked support session tokens',
      severity: 'critical',
      awareAt: new Date(Date.now() - 30 * 60_000).toISOString(),
      occurredAt: new Date(Date.now() - 3 * 3_600_000).toISOString(),
    });
    const draft = await until(async () => {
      const r = await call<{ items: Array<{ id: string }> }>(
        alice,
        'GET',
        `/v1/incidents/${second.body.id}/notices`,
      );
      return r.body.items[0];
    }, 'the second draft');
    const consoleUrl = `${base}/console`;
    say(`Herald keeps running: open ${bold(consoleUrl)} and sign in with an API key.`);
    say(`  Edit the new draft (${consoleUrl}/notices/${draft.id}) as alice (comms):  ${alice}`);
    say(`  Approve it as bob (comms), who did not edit it:                      ${bob}`);
    say(`  Check the deliveries, CSV and audit chain as carol (auditor):        ${auditor}`);
    say(`  Create and revoke API keys as the admin:                              ${adminKey}`);
    say(
      `And the tenant portal, ${bold(`${base}/portal`)}: sakura-shoji's notices (acknowledge one), its contacts,`,
    );
    say(`  and "check a notice", signed in with the tenant's key:              ${tenantKey}`);
    say(dim('Press Ctrl+C to stop Herald.'));
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
  } finally {
    await app.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`\ndemo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
