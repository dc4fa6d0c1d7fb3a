import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { expectProblem } from '../support/security.js';
import { bearer, startTestApp, TestApp } from '../support/test-app.js';

// What a stranger's connection costs: a body is neither read nor parsed before its key is
// checked, a declared length over the route's limit is refused before a byte of it arrives,
// and slow or idle connections are closed (issue 20, M4 and L7).

const MB = 1024 * 1024;

interface Upload {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** Bytes the client had handed to the socket when the answer arrived. */
  sentWhenAnswered: number;
  ms: number;
}

/** POSTs `total` bytes of a JSON body in 64 KB writes, stopping when the answer arrives. */
function upload(
  t: TestApp,
  path: string,
  total: number,
  headers: Record<string, string> = {},
  chunked = false,
): Promise<Upload> {
  const { port } = t.app.getHttpServer().address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path,
      headers: {
        'Content-Type': 'application/json',
        ...(chunked ? {} : { 'Content-Length': String(total) }),
        ...headers,
      },
    });
    let sent = 0;
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      const sentWhenAnswered = sent;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        req.destroy();
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          sentWhenAnswered,
          ms: performance.now() - started,
        });
      });
    });
    // The server closes the connection once it has answered: writing on is then refused.
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    chunk[0] = 0x7b; // a JSON object that never ends: only its length matters here
    const pump = (): void => {
      while (sent < total && !answered) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe('security: request bodies are only read for an authenticated caller', () => {
  let t: TestApp;
  let reporter: string;

  beforeAll(async () => {
    t = await startTestApp();
    reporter = await t.key(['reporter']);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('should answer 401 to an unauthenticated 29 MB body before the client has sent half of it', async () => {
    const rssBefore = process.memoryUsage().rss;
    const res = await upload(t, '/v1/tenants/bulk', 29 * MB);
    expectProblem({ ...res, headers: res.headers }, 401);
    expect(res.headers.connection).toBe('close');
    // Only what the sockets' buffers hold was sent: the server never read the rest.
    expect(res.sentWhenAnswered).toBeLessThan(15 * MB);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(20 * MB);
  });

  it('should answer 401 to a body with a wrong key too, before reading it, and store nothing', async () => {
    const res = await upload(t, '/v1/incidents', 29 * MB, bearer('hk_AAAAAAAA_' + 'B'.repeat(43)));
    expectProblem(res, 401);
    expect(res.sentWhenAnswered).toBeLessThan(15 * MB);
    const list = await t.http.get('/v1/incidents').set(bearer(reporter));
    expect(list.body.items).toEqual([]);
  });

  it.each([
    ['/v1/tenants/bulk', 40 * MB, '32 MB'],
    ['/v1/incidents', 30 * MB, '2.5 MB'],
    ['/v1/api-keys', 30 * MB, '1 MB'],
  ])(
    'should refuse %s with a declared %d bytes at once with a 413 naming the %s limit',
    async (path, size, limit) => {
      const res = await upload(t, path, size, bearer(t.adminKey));
      expectProblem(res, 413);
      expect(JSON.parse(res.text).detail).toBe(`The request body exceeds the ${limit} limit`);
      expect(res.sentWhenAnswered).toBeLessThan(size / 2);
    },
  );

  it('should still cap a chunked body at the route limit', async () => {
    const res = await upload(t, '/v1/api-keys', 3 * MB, bearer(t.adminKey), true);
    expectProblem(res, 413);
    expect(JSON.parse(res.text).detail).toBe('The request body exceeds the 1 MB limit');
  });
});

/** Opens a raw connection; `closed` resolves with what the server sent when it closes. */
function rawConnection(t: TestApp): {
  socket: Socket;
  closed: Promise<{ ms: number; text: string }>;
} {
  const { port } = t.app.getHttpServer().address() as AddressInfo;
  const socket = connect(port, '127.0.0.1');
  const started = performance.now();
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (text += d));
  const closed = new Promise<{ ms: number; text: string }>((resolve) => {
    socket.on('close', () => resolve({ ms: performance.now() - started, text }));
    socket.on('error', () => undefined);
  });
  return { socket, closed };
}

/** Writes `data` a character at a time, every `everyMs`, while the socket is open. */
async function dribble(socket: Socket, data: string, everyMs: number): Promise<void> {
  for (const ch of data) {
    if (socket.destroyed || !socket.writable) return;
    socket.write(ch);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Waits up to `waitMs` for the server to close the connection; fails if it stays open. */
async function closedWithin(
  connection: ReturnType<typeof rawConnection>,
  waitMs: number,
): Promise<{ ms: number; text: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'still open'>(
    (r) => (timer = setTimeout(() => r('still open'), waitMs)),
  );
  try {
    const result = await Promise.race([connection.closed, timeout]);
    expect(result).not.toBe('still open');
    return result as { ms: number; text: string };
  } finally {
    clearTimeout(timer);
    connection.socket.destroy();
  }
}

describe('security: slow and idle connections are closed', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      HTTP_HEADERS_TIMEOUT_MS: '1500',
      HTTP_REQUEST_TIMEOUT_MS: '3000',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000',
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('should close a connection whose headers arrive a byte at a time after the header timeout', async () => {
    const connection = rawConnection(t);
    const { socket } = connection;
    const headers = `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(200)}\r\n\r\n`;
    void dribble(socket, headers, 100);
    const result = await closedWithin(connection, 6000);
    expect(result.ms).toBeLessThan(4000);
    expect(result.text).toMatch(/^HTTP\/1\.1 408/);
  });

  it('should close an authenticated request whose body dribbles in after the request timeout', async () => {
    const connection = rawConnection(t);
    const { socket } = connection;
    socket.write(
      `POST /v1/api-keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.adminKey}\r\n` +
        `Content-Type: application/json\r\nContent-Length: 500\r\n\r\n`,
    );
    void dribble(socket, `{"name":"${'n'.repeat(480)}`, 100);
    const result = await closedWithin(connection, 8000);
    expect(result.ms).toBeLessThan(6000);
    expect(result.text).toMatch(/^HTTP\/1\.1 408/);
  });

  it('should close an idle keep-alive connection after the keep-alive timeout', async () => {
    const connection = rawConnection(t);
    const { socket } = connection;
    socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n');
    const result = await closedWithin(connection, 5000);
    expect(result.text).toMatch(/^HTTP\/1\.1 200/);
    expect(result.text).toMatch(/Keep-Alive: timeout=1/i);
    expect(result.ms).toBeLessThan(3000);
  });
});
