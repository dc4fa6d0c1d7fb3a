import { loadConfig } from './app-config.js';
import { redisTarget } from './redis-target.js';

describe('redisTarget', () => {
  it('should keep a redis:// URL as one node', () => {
    expect(redisTarget('redis://:pw@10.0.0.1:6380/2')).toEqual({
      cluster: false,
      url: 'redis://:pw@10.0.0.1:6380/2',
    });
  });

  it('should read the seed nodes and credentials when the URL names a cluster', () => {
    expect(redisTarget('rediss+cluster://app:s%40cret@a.example:7000,[::1]:7001/')).toEqual({
      cluster: true,
      nodes: [
        { host: 'a.example', port: 7000 },
        { host: '::1', port: 7001 },
      ],
      username: 'app',
      password: 's@cret',
      tls: true,
    });
  });

  it('should take the nodes from REDIS_CLUSTER_NODES and the password from REDIS_URL when both are set', () => {
    expect(redisTarget('redis://:pw@ignored:6379', '10.0.0.1:7000, 10.0.0.2:7000')).toEqual({
      cluster: true,
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7000 },
      ],
      username: undefined,
      password: 'pw',
      tls: false,
    });
  });

  it('should refuse at boot a cluster URL or node list that is not host:port', () => {
    expect(() => loadConfig({ REDIS_URL: 'redis+cluster://a:7000,b' })).toThrow(
      /REDIS_URL: cluster URL "b" is not host:port/,
    );
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'a:70000' })).toThrow(
      /REDIS_CLUSTER_NODES: must be host:port,host:port/,
    );
    expect(() => loadConfig({ REDIS_URL: 'http://x' })).toThrow(/REDIS_URL: must be a URL/);
    expect(loadConfig({ REDIS_URL: 'redis+cluster://a:7000' }).redis.cluster).toBe(true);
  });
});
