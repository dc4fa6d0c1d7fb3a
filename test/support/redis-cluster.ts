import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './pgbouncer.js';

const run = promisify(execFile);

export interface RedisClusterNode {
  port: number;
  proc: ChildProcess;
}

export interface LocalRedisCluster {
  nodes: RedisClusterNode[];
  /** `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,…` */
  url: string;
  cli(port: number, ...args: string[]): Promise<string>;
  /** The master that serves `key`'s slot, and one of its replicas. */
  ownerOf(key: string): Promise<{ master: number; replica: number }>;
  waitHealthy(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real Redis Cluster on free loopback ports in a temp dir: `masters` masters with one replica
 * each, created with `redis-cli --cluster create`. Nothing persists; stop() kills every node.
 */
export async function startRedisCluster(masters = 3): Promise<LocalRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-redis-cluster-'));
  const nodes: RedisClusterNode[] = [];
  for (let i = 0; i < masters * 2; i++) {
    const port = await freePort();
    const nodeDir = join(dir, String(port));
    mkdirSync(nodeDir);
    const proc = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(nodeDir, 'nodes.conf'),
        '--cluster-node-timeout',
        '2000',
        '--dir',
        nodeDir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--maxmemory-policy',
        'noeviction',
      ],
      { stdio: 'ignore' },
    );
    nodes.push({ port, proc });
  }
  const cli = async (port: number, ...args: string[]) =>
    (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args])).stdout.trim();
  const stop = async () => {
    await Promise.all(
      nodes.map(
        (n) =>
          new Promise<void>((resolve) => {
            if (n.proc.exitCode !== null || n.proc.signalCode !== null) return resolve();
            n.proc.once('exit', () => resolve());
            n.proc.kill('SIGKILL');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  const until = async (what: string, check: () => Promise<boolean>, ms = 30_000) => {
    const deadline = Date.now() + ms;
    while (!(await check().catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`redis cluster: ${what} not reached in ${ms} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  try {
    for (const n of nodes)
      await until(`node ${n.port} up`, async () => (await cli(n.port, 'ping')) === 'PONG');
    await run('redis-cli', [
      '--cluster',
      'create',
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas',
      '1',
      '--cluster-yes',
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  const cluster: LocalRedisCluster = {
    nodes,
    url: `redis+cluster://${nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`,
    cli,
    async ownerOf(key) {
      const slot = Number(await cli(nodes[0].port, 'cluster', 'keyslot', key));
      const lines = (await cli(nodes[0].port, 'cluster', 'nodes'))
        .split('\n')
        .map((l) => l.split(' '));
      // <id> <ip:port@bus> <flags> <master-id> <ping> <pong> <epoch> <state> <slots...>
      const master = lines.find(
        (f) =>
          f[2].includes('master') &&
          !f[2].includes('fail') &&
          f.slice(8).some((r) => {
            const [a, b] = r.split('-').map(Number);
            return slot >= a && slot <= (b ?? a);
          }),
      );
      const replica = lines.find((f) => master && f[3] === master[0] && !f[2].includes('fail'));
      if (!master || !replica) throw new Error(`no master with a replica for slot ${slot}`);
      const port = (f: string[]) => Number(f[1].split('@')[0].split(':')[1]);
      return { master: port(master), replica: port(replica) };
    },
    async waitHealthy() {
      await until('cluster_state:ok on every node', async () => {
        for (const n of nodes)
          if (!(await cli(n.port, 'cluster', 'info')).includes('cluster_state:ok')) return false;
        return true;
      });
    },
    stop,
  };
  await cluster.waitHealthy();
  return cluster;
}
