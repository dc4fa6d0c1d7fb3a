export interface RedisNode {
  host: string;
  port: number;
}

/** Where Redis is: one node (a URL ioredis reads), or cluster seed nodes with shared options. */
export type RedisTarget =
  | { cluster: false; url: string }
  | { cluster: true; nodes: RedisNode[]; username?: string; password?: string; tls: boolean };

const CLUSTER_SCHEMES = ['redis+cluster:', 'rediss+cluster:'];

/** "host:port,host:port" (IPv6 as [::1]:7000); throws with the bad entry named. */
export function parseRedisNodes(list: string): RedisNode[] {
  const nodes = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((entry) => {
      const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):([0-9]{1,5})$/.exec(entry);
      const port = m ? Number(m[2]) : NaN;
      if (!m || port < 1 || port > 65535) throw new Error(`"${entry}" is not host:port`);
      return { host: m[1].replace(/^\[|\]$/g, ''), port };
    });
  if (nodes.length === 0) throw new Error('names no node');
  return nodes;
}

/**
 * Reads REDIS_URL (`redis://`, `rediss://`, or `redis+cluster://[user:pass@]h1:p1,h2:p2`) and
 * REDIS_CLUSTER_NODES (seed nodes of a cluster; the URL then only gives credentials and TLS).
 */
export function redisTarget(url: string, clusterNodes?: string): RedisTarget {
  const scheme = /^[a-z+]+:/.exec(url)?.[0] ?? '';
  const clusterUrl = CLUSTER_SCHEMES.includes(scheme);
  if (!clusterUrl && !clusterNodes) return { cluster: false, url };
  const rest = url.slice(scheme.length).replace(/^\/\//, '');
  const at = rest.lastIndexOf('@');
  const auth = at >= 0 ? rest.slice(0, at) : '';
  const hosts = (at >= 0 ? rest.slice(at + 1) : rest).replace(/\/.*$/, '');
  const [user, pass] = auth.includes(':') ? auth.split(/:(.*)/s, 2) : ['', auth];
  return {
    cluster: true,
    nodes: parseRedisNodes(clusterNodes ?? hosts),
    username: user ? decodeURIComponent(user) : undefined,
    password: pass ? decodeURIComponent(pass) : undefined,
    tls: scheme.startsWith('rediss'),
  };
}
