import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { ADMIN_DATABASE_URL } from './databases.js';

const CANDIDATES = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer'];

/** The pgbouncer binary (Debian puts it in /usr/sbin), or null when it is not installed. */
export function pgbouncerBinary(): string | null {
  const onPath = (process.env.PATH ?? '').split(':').map((d) => join(d, 'pgbouncer'));
  return [...onPath, ...CANDIDATES].find((p) => existsSync(p)) ?? null;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface PgBouncer {
  port: number;
  /** The URL of `database` through the bouncer. */
  url(database: string): string;
  log(): string;
  stop(): Promise<void>;
}

/**
 * Our own PgBouncer in transaction mode on a free loopback port, in front of the test Postgres,
 * with fewer server connections than Herald's pool has clients (so they are really shared).
 */
export async function startPgBouncer(binary: string, poolSize = 4): Promise<PgBouncer> {
  const upstream = new URL(ADMIN_DATABASE_URL);
  const dir = mkdtempSync(join(tmpdir(), 'herald-pgbouncer-'));
  const port = await freePort();
  const user = decodeURIComponent(upstream.username || 'postgres');
  writeFileSync(join(dir, 'userlist.txt'), `"${user}" ""\n`);
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${upstream.hostname} port=${upstream.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      'pool_mode = transaction',
      `default_pool_size = ${poolSize}`,
      'max_client_conn = 500',
      'ignore_startup_parameters = extra_float_digits',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      `pidfile = ${join(dir, 'pgbouncer.pid')}`,
      '',
    ].join('\n'),
  );
  // PgBouncer refuses to run as root: -u drops to the postgres user, who must read the files.
  const asRoot = userInfo().uid === 0;
  const args = [join(dir, 'pgbouncer.ini')];
  if (asRoot) {
    const [uid, gid] = ['-u', '-g'].map((flag) =>
      Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim()),
    );
    chmodSync(dir, 0o755);
    for (const f of ['', 'userlist.txt', 'pgbouncer.ini']) chownSync(join(dir, f), uid, gid);
    args.unshift('-u', 'postgres');
  }
  const proc: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const log = () => {
    const file = join(dir, 'pgbouncer.log');
    return out + (existsSync(file) ? readFileSync(file, 'utf8') : '');
  };
  const url = (database: string) => `postgres://${user}@127.0.0.1:${port}/${database}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = new Client({ connectionString: url('postgres') });
    try {
      await probe.connect();
      await probe.query('SELECT 1');
      await probe.end();
      break;
    } catch (err) {
      await probe.end().catch(() => undefined);
      if (proc.exitCode !== null || Date.now() > deadline)
        throw new Error(`pgbouncer did not start: ${String(err)}\n${log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    port,
    url,
    log,
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGINT');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
