import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { MailSendError, toMailSendError } from './smtp-errors.js';

/**
 * A small SMTP client for the delivery hot path: a pool of kept-open connections (TCP_NODELAY)
 * that send a prebuilt message to one or more recipients, with the envelope and DATA pipelined
 * in one write where the relay advertises PIPELINING (RFC 2920). Each RCPT TO is answered on its
 * own, so each recipient gets its own outcome. nodemailer still builds the MIME; this only
 * carries bytes. No AUTH: a relay that needs credentials goes through nodemailer.
 */

export interface SmtpEnvelope {
  from: string;
  to: readonly string[];
}

export type RecipientOutcome =
  | { rcpt: string; accepted: true; response: string }
  | { rcpt: string; accepted: false; error: MailSendError };

export interface SmtpPipelineOptions {
  host: string;
  port: number;
  /** smtps: TLS from the first byte. */
  secure: boolean;
  /** STARTTLS policy when not `secure`. */
  starttls: 'require' | 'none' | 'opportunistic';
  tls?: ConnectionOptions;
  /** EHLO name. */
  name?: string;
  connections: number;
  maxMessagesPerConnection: number;
  timeoutMs: number;
}

interface Reply {
  code: number;
  text: string;
}

interface Job {
  envelope: SmtpEnvelope;
  data: Buffer;
  resolve: (outcomes: RecipientOutcome[]) => void;
  reject: (err: MailSendError) => void;
}

const CRLF = Buffer.from('\r\n');
const END_OF_DATA = Buffer.from('.\r\n');

/** Pool of pipelining connections; `send` queues until a connection is free. */
export class SmtpPipelinePool {
  private readonly idle: SmtpConnection[] = [];
  private readonly queue: Job[] = [];
  private open = 0;
  private closing = false;
  private readonly busy = new Set<Promise<void>>();

  constructor(private readonly options: SmtpPipelineOptions) {}

  /**
   * Sends `message` (RFC 5322 bytes, CRLF line ends, not dot-stuffed) to every envelope
   * recipient. Resolves with one outcome per recipient once the relay answered the data (or
   * refused every recipient); rejects only when the whole message failed (connection, MAIL FROM,
   * DATA), with a classified MailSendError.
   */
  send(envelope: SmtpEnvelope, message: Buffer): Promise<RecipientOutcome[]> {
    if (this.closing) {
      return Promise.reject(
        new MailSendError('temporary', 'mailer is closed', { code: 'ECLOSED' }),
      );
    }
    if (envelope.to.length === 0) {
      return Promise.reject(
        new MailSendError('permanent', 'invalid envelope: no recipients', { code: 'EENVELOPE' }),
      );
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ envelope, data: dotStuff(message), resolve, reject });
      this.dispatch();
    });
  }

  /** Opens one connection and says hello (relay reachable, TLS as configured). */
  async verify(): Promise<void> {
    const c = new SmtpConnection(this.options);
    try {
      await c.connect();
    } finally {
      c.quit();
    }
  }

  /** Refuses new sends, waits for the queued and in-flight ones, then closes every connection. */
  async close(): Promise<void> {
    this.closing = true;
    while (this.queue.length || this.busy.size) await Promise.all(this.busy);
    for (const c of this.idle.splice(0)) c.quit();
  }

  private dispatch(): void {
    while (this.queue.length) {
      let c = this.idle.pop();
      while (c && !c.usable) {
        this.open--;
        c = this.idle.pop();
      }
      if (!c) {
        if (this.open >= this.options.connections) return;
        this.open++;
        c = new SmtpConnection(this.options);
      }
      const job = this.queue.shift()!;
      const conn = c;
      const run = this.run(conn, job).finally(() => {
        this.busy.delete(run);
        if (conn.usable && conn.sent < this.options.maxMessagesPerConnection && !this.closing) {
          this.idle.push(conn);
        } else {
          conn.quit();
          this.open--;
        }
        this.dispatch();
      });
      this.busy.add(run);
    }
  }

  private async run(conn: SmtpConnection, job: Job): Promise<void> {
    try {
      if (!conn.ready) await conn.connect();
      job.resolve(await conn.transaction(job.envelope, job.data));
    } catch (err) {
      conn.destroy();
      job.reject(toMailSendError(err));
    }
  }
}

/** One SMTP session: replies are matched to commands in order (a FIFO of waiters). */
class SmtpConnection {
  private socket: Socket | TLSSocket | null = null;
  private buffered = '';
  private lines: string[] = [];
  private readonly waiting: Array<{ resolve: (r: Reply) => void; reject: (e: Error) => void }> = [];
  private readonly replies: Reply[] = [];
  private failure: Error | null = null;
  private pipelining = false;
  private smtpUtf8 = false;
  ready = false;
  sent = 0;

  constructor(private readonly options: SmtpPipelineOptions) {}

  get usable(): boolean {
    return this.failure === null && (this.socket === null || !this.socket.destroyed);
  }

  async connect(): Promise<void> {
    const o = this.options;
    this.attach(
      o.secure
        ? tlsConnect({
            ...o.tls,
            host: o.host,
            port: o.port,
            servername: o.tls?.servername ?? o.host,
          })
        : netConnect({ host: o.host, port: o.port }),
    );
    expect(await this.reply(), [220], 'CONN');
    let caps = await this.hello();
    if (!o.secure && o.starttls !== 'none' && caps.has('STARTTLS')) {
      this.write('STARTTLS\r\n');
      expect(await this.reply(), [220], 'STARTTLS', 'ETLS');
      await this.upgrade();
      caps = await this.hello();
    } else if (!o.secure && o.starttls === 'require') {
      throw Object.assign(new Error('relay does not offer STARTTLS'), { code: 'ETLS' });
    }
    this.pipelining = caps.has('PIPELINING');
    this.smtpUtf8 = caps.has('SMTPUTF8');
    this.ready = true;
  }

  /**
   * One mail transaction. With PIPELINING: MAIL, every RCPT and DATA in one write, then the
   * replies in order; without it, one command at a time. The data goes only after a 354.
   */
  async transaction(envelope: SmtpEnvelope, data: Buffer): Promise<RecipientOutcome[]> {
    const utf8 = this.smtpUtf8 && [envelope.from, ...envelope.to].some(nonAscii);
    const mail = `MAIL FROM:<${envelope.from}>${utf8 ? ' SMTPUTF8' : ''}\r\n`;
    const rcpts = envelope.to.map((to) => `RCPT TO:<${to}>\r\n`);
    let mailReply: Reply;
    const rcptReplies: Reply[] = [];
    let dataReply: Reply;
    if (this.pipelining) {
      this.write(mail + rcpts.join('') + 'DATA\r\n');
      mailReply = await this.reply();
      for (let i = 0; i < rcpts.length; i++) rcptReplies.push(await this.reply());
      dataReply = await this.reply();
    } else {
      this.write(mail);
      mailReply = await this.reply();
      if (mailReply.code !== 250) return this.refuseAll(envelope, mailReply, 'MAIL FROM');
      for (const r of rcpts) {
        this.write(r);
        rcptReplies.push(await this.reply());
      }
      if (!rcptReplies.some((r) => r.code === 250 || r.code === 251)) {
        return this.resetAfter(envelope.to.map((to, i) => refused(to, rcptReplies[i], 'RCPT TO')));
      }
      this.write('DATA\r\n');
      dataReply = await this.reply();
    }
    if (mailReply.code !== 250) {
      if (dataReply.code === 354) await this.abortData();
      return this.refuseAll(envelope, mailReply, 'MAIL FROM');
    }
    const accepted = (r: Reply) => r.code === 250 || r.code === 251;
    const outcomes: Array<RecipientOutcome | null> = envelope.to.map((to, i) =>
      accepted(rcptReplies[i]) ? null : refused(to, rcptReplies[i], 'RCPT TO'),
    );
    if (dataReply.code !== 354) {
      // Every recipient refused (the relay then refuses DATA too), or DATA itself refused.
      const err = smtpError(dataReply, 'DATA');
      return this.resetAfter(
        envelope.to.map((to, i) => outcomes[i] ?? { rcpt: to, accepted: false, error: err }),
      );
    }
    if (outcomes.every((o) => o !== null)) {
      // A relay that says 354 with no recipient: end the empty message, it goes nowhere.
      await this.abortData();
      return this.resetAfter(outcomes as RecipientOutcome[]);
    }
    this.write(data);
    const final = await this.reply();
    this.sent++;
    return envelope.to.map((to, i) => {
      const o = outcomes[i];
      if (o) return o;
      return final.code === 250
        ? { rcpt: to, accepted: true as const, response: `${final.code} ${final.text}` }
        : { rcpt: to, accepted: false as const, error: smtpError(final, 'DATA') };
    });
  }

  quit(): void {
    if (!this.socket || this.socket.destroyed) return;
    if (this.ready && this.failure === null) this.socket.end('QUIT\r\n');
    else this.socket.destroy();
    this.failure ??= new Error('connection closed');
  }

  destroy(): void {
    this.socket?.destroy();
    this.failure ??= new Error('connection destroyed');
  }

  private async refuseAll(
    envelope: SmtpEnvelope,
    reply: Reply,
    command: string,
  ): Promise<RecipientOutcome[]> {
    const err = smtpError(reply, command);
    return this.resetAfter(envelope.to.map((to) => ({ rcpt: to, accepted: false, error: err })));
  }

  private async resetAfter(outcomes: RecipientOutcome[]): Promise<RecipientOutcome[]> {
    this.write('RSET\r\n');
    const r = await this.reply();
    // A relay that refuses RSET is not one to send the next message on.
    if (r.code !== 250) this.destroy();
    return outcomes;
  }

  private async abortData(): Promise<void> {
    this.write('.\r\n');
    await this.reply();
  }

  private async hello(): Promise<Set<string>> {
    const name = this.options.name ?? 'localhost';
    this.write(`EHLO ${name}\r\n`);
    let r = await this.reply();
    if (r.code !== 250) {
      this.write(`HELO ${name}\r\n`);
      r = await this.reply();
      expect(r, [250], 'HELO');
      return new Set();
    }
    return new Set(
      r.text
        .split('\n')
        .slice(1)
        .map((l) => l.trim().split(/\s+/)[0].toUpperCase()),
    );
  }

  private upgrade(): Promise<void> {
    const plain = this.socket!;
    plain.removeAllListeners('data');
    plain.removeAllListeners('error');
    plain.removeAllListeners('close');
    plain.removeAllListeners('timeout');
    return new Promise((resolve, reject) => {
      const secure = tlsConnect(
        {
          ...this.options.tls,
          socket: plain,
          servername: this.options.tls?.servername ?? this.options.host,
        },
        () => resolve(),
      );
      secure.once('error', (err) => reject(Object.assign(err, { code: 'ETLS' })));
      this.attach(secure);
    });
  }

  private attach(socket: Socket | TLSSocket): void {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setTimeout(this.options.timeoutMs);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('timeout', () =>
      this.fail(Object.assign(new Error('relay timed out'), { code: 'ETIMEDOUT' })),
    );
    socket.on('error', (err: Error) => this.fail(err));
    socket.on('close', () =>
      this.fail(
        Object.assign(new Error('connection closed unexpectedly'), { code: 'ECONNECTION' }),
      ),
    );
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.socket?.destroy();
    for (const w of this.waiting.splice(0)) w.reject(this.failure);
  }

  private write(text: string | Buffer): void {
    if (this.failure) throw this.failure;
    this.socket!.write(text);
  }

  private reply(): Promise<Reply> {
    const r = this.replies.shift();
    if (r) return Promise.resolve(r);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    let nl: number;
    while ((nl = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, nl).replace(/\r$/, '');
      this.buffered = this.buffered.slice(nl + 1);
      this.lines.push(line);
      // "250-…" continues a reply, "250 …" (or a bare code) ends it.
      if (line.length >= 4 && line[3] === '-') continue;
      const code = Number(line.slice(0, 3));
      if (!Number.isInteger(code) || code < 200 || code > 599) {
        this.fail(
          Object.assign(new Error('invalid smtp response from relay'), { code: 'EPROTOCOL' }),
        );
        return;
      }
      const reply = { code, text: this.lines.map((l) => l.slice(4)).join('\n') };
      this.lines = [];
      const w = this.waiting.shift();
      if (w) w.resolve(reply);
      else this.replies.push(reply);
    }
  }
}

function refused(rcpt: string, reply: Reply, command: string): RecipientOutcome {
  return { rcpt, accepted: false, error: smtpError(reply, command) };
}

function smtpError(reply: Reply, command: string): MailSendError {
  const response = `${reply.code} ${reply.text.split('\n')[0]}`;
  return toMailSendError({
    code: command === 'DATA' ? 'EMESSAGE' : 'EENVELOPE',
    responseCode: reply.code,
    command,
    response,
    message: response,
  });
}

function expect(reply: Reply, codes: number[], command: string, code = 'EPROTOCOL'): void {
  if (codes.includes(reply.code)) return;
  throw Object.assign(new Error(`${command}: ${reply.code} ${reply.text.split('\n')[0]}`), {
    code,
    responseCode: reply.code,
    command,
    response: `${reply.code} ${reply.text.split('\n')[0]}`,
  });
}

function nonAscii(s: string): boolean {
  return /[^\x00-\x7f]/.test(s);
}

/**
 * The DATA section for `message`: a "." at the start of a line doubled (RFC 5321 4.5.2), CRLF at
 * the end, then the terminating ".".
 */
export function dotStuff(message: Buffer): Buffer {
  const parts: Buffer[] = [];
  let start = 0;
  if (message[0] === 0x2e) {
    parts.push(Buffer.from('.'));
  }
  for (let i = message.indexOf('\n.', 0); i !== -1; i = message.indexOf('\n.', i + 1)) {
    parts.push(message.subarray(start, i + 1), Buffer.from('.'));
    start = i + 1;
  }
  parts.push(message.subarray(start));
  const endsWithCrlf =
    message.length >= 2 &&
    message[message.length - 2] === 0x0d &&
    message[message.length - 1] === 0x0a;
  if (!endsWithCrlf && message.length > 0) parts.push(CRLF);
  parts.push(END_OF_DATA);
  return Buffer.concat(parts);
}
