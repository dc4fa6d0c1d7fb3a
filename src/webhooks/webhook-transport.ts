import { lookup as dnsLookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  AddressPolicy,
  checkAddress,
  checkHost,
  checkUrlForm,
  policyForUrl,
  Resolver,
} from './domain/address-policy.js';
import { classifyResponse, WebhookAttemptResult } from './domain/webhook-response.js';

/** Read at most this much of a receiver's answer: the status is what counts. */
export const MAX_RESPONSE_BYTES = 16 * 1024;

export interface WebhookCall {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface WebhookCallOutcome {
  result: WebhookAttemptResult;
  durationMs: number;
}

export interface TransportOptions {
  allowLoopback: boolean;
  timeoutMs: number;
  now: () => Date;
  /** Resolves host names (dns.lookup by default; tests stub it). */
  resolve?: Resolver;
}

class AddressRefused extends Error {
  readonly code = 'EWEBHOOKADDRESS';
}

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) =>
      err ? reject(err) : resolve(addresses),
    );
  });

/**
 * One POST to a tenant's endpoint, safe against server-side request forgery: https only (or
 * http to loopback when allowed); the address is checked where the connection is made (the
 * socket's own `lookup`), so a name that resolves differently after registration (DNS
 * rebinding) still cannot reach a private, loopback or metadata address; IP literals, which
 * never go through lookup, are checked before. No redirect is followed, the answer is read up
 * to MAX_RESPONSE_BYTES and the whole call is bounded by `timeoutMs`.
 */
export class WebhookTransport {
  private readonly resolve: Resolver;

  constructor(private readonly options: TransportOptions) {
    this.resolve = options.resolve ?? systemResolver;
  }

  /** Checks a URL as registration does: its form, and every address its host has now. */
  async checkUrl(raw: string): Promise<string | null> {
    const form = checkUrlForm(raw, { allowLoopback: this.options.allowLoopback });
    if (form) return form;
    const url = new URL(raw);
    const verdict = await checkHost(
      url.hostname,
      policyForUrl(url, this.options.allowLoopback),
      this.resolve,
    );
    return verdict.allowed ? null : `is refused: ${verdict.reason}`;
  }

  async post(call: WebhookCall): Promise<WebhookCallOutcome> {
    const started = performance.now();
    const done = (result: WebhookAttemptResult): WebhookCallOutcome => ({
      result,
      durationMs: Math.round(performance.now() - started),
    });
    const form = checkUrlForm(call.url, { allowLoopback: this.options.allowLoopback });
    if (form) return done({ kind: 'permanent', status: null, error: `URL ${form}` });
    const url = new URL(call.url);
    const policy = policyForUrl(url, this.options.allowLoopback);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (/^[\d.]+$/.test(host) || host.includes(':')) {
      const verdict = checkAddress(host, policy);
      if (!verdict.allowed)
        return done({ kind: 'permanent', status: null, error: `refused: ${verdict.reason}` });
    }
    try {
      return done(await this.request(url, call, policy));
    } catch (err) {
      if (err instanceof AddressRefused)
        return done({ kind: 'permanent', status: null, error: `refused: ${err.message}` });
      const e = err as NodeJS.ErrnoException;
      return done({
        kind: 'temporary',
        status: null,
        retryAfterMs: null,
        error: `${e.code ?? 'error'}: ${e.message}`.slice(0, 300),
      });
    }
  }

  private request(
    url: URL,
    call: WebhookCall,
    policy: AddressPolicy,
  ): Promise<WebhookAttemptResult> {
    const lookup: LookupFunction = (hostname, opts, callback) => {
      checkHost(hostname, policy, this.resolve).then(
        (verdict) => {
          if (!verdict.allowed) {
            callback(new AddressRefused(verdict.reason), '', 4);
            return;
          }
          if (opts.all) callback(null, verdict.addresses);
          else callback(null, verdict.addresses[0].address, verdict.addresses[0].family);
        },
        (err: unknown) => callback(err as NodeJS.ErrnoException, '', 4),
      );
    };
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = client.request(url, {
        method: 'POST',
        headers: { ...call.headers, 'content-length': String(Buffer.byteLength(call.body)) },
        lookup,
        agent: false,
        timeout: this.options.timeoutMs,
      });
      const timer = setTimeout(
        () =>
          req.destroy(
            Object.assign(new Error(`no answer within ${this.options.timeoutMs} ms`), {
              code: 'ETIMEDOUT',
            }),
          ),
        this.options.timeoutMs,
      );
      req.on('timeout', () =>
        req.destroy(Object.assign(new Error('socket idle'), { code: 'ETIMEDOUT' })),
      );
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.on('response', (res) => {
        let read = 0;
        const finish = () => {
          clearTimeout(timer);
          const retryAfter = res.headers['retry-after'];
          resolve(
            classifyResponse(
              res.statusCode ?? 0,
              Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
              this.options.now(),
            ),
          );
        };
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) {
            res.destroy();
            finish();
          }
        });
        res.on('end', finish);
        res.on('error', finish);
      });
      req.end(call.body);
    });
  }
}
