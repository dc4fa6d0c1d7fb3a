import { Injectable, Logger } from '@nestjs/common';
import * as oidc from 'openid-client';
import { DomainError } from '../common/errors.js';
import { AppConfig } from '../config/app-config.js';
import { RedisService } from '../database/redis.service.js';
import { opensConsole, parseRoleMap, rolesFromClaim, StaffRole } from './domain/role-map.js';
import type { StaffIdentity } from './staff-sessions.service.js';

// A sign-in must come back from the IdP within this long.
const PENDING_TTL_S = 600;

interface PendingSignIn {
  verifier: string;
  nonce: string;
}

const isLoopback = (url: URL) => ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);

/** OpenID Connect sign-in: authorization code flow with PKCE, state and nonce. */
@Injectable()
export class OidcService {
  private readonly logger = new Logger(OidcService.name);
  private configuration?: Promise<oidc.Configuration>;
  private readonly roleMap: Map<string, StaffRole[]>;

  constructor(
    private readonly config: AppConfig,
    private readonly redis: RedisService,
  ) {
    this.roleMap = parseRoleMap(config.get('OIDC_ROLE_MAP'));
  }

  get enabled(): boolean {
    return this.config.get('OIDC_ISSUER') !== undefined;
  }

  get redirectUri(): string {
    return new URL('/console/auth/callback', this.config.get('PUBLIC_URL')).toString();
  }

  private discover(): Promise<oidc.Configuration> {
    const issuer = new URL(this.config.get('OIDC_ISSUER') ?? '');
    this.configuration ??= oidc
      .discovery(
        issuer,
        this.config.get('OIDC_CLIENT_ID') ?? '',
        this.config.get('OIDC_CLIENT_SECRET'),
        undefined,
        // Plain http only for an IdP on this machine (development, tests); anywhere else TLS.
        isLoopback(issuer) ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((err: unknown) => {
        this.configuration = undefined;
        this.logger.warn({ msg: 'OIDC discovery failed', error: (err as Error).message });
        throw new DomainError('unavailable', 'The identity provider cannot be reached; try again');
      });
    return this.configuration;
  }

  private pendingKey(state: string): string {
    return `${this.config.get('QUEUE_PREFIX')}:console:oidc:${state}`;
  }

  /** Where to send the browser, and the state to bind to it in a cookie. */
  async begin(): Promise<{ url: string; state: string }> {
    const configuration = await this.discover();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const pending: PendingSignIn = { verifier, nonce };
    await this.redis.client.set(
      this.pendingKey(state),
      JSON.stringify(pending),
      'EX',
      PENDING_TTL_S,
    );
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      scope: 'openid profile email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url: url.href, state };
  }

  /** The person behind a callback; refuses an unknown or replayed state and people without a console role. */
  async complete(callbackUrl: URL, cookieState: string | undefined): Promise<StaffIdentity> {
    const state = callbackUrl.searchParams.get('state') ?? '';
    if (!cookieState || cookieState !== state)
      throw new DomainError(
        'unauthorized',
        'This sign-in was not started in this browser; start again',
      );
    const raw = await this.redis.client.getdel(this.pendingKey(state));
    if (!raw)
      throw new DomainError(
        'unauthorized',
        'This sign-in has expired or was already used; start again',
      );
    const pending = JSON.parse(raw) as PendingSignIn;
    const configuration = await this.discover();
    let claims: oidc.IDToken | undefined;
    let idToken: string | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: pending.verifier,
        expectedState: state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims();
      idToken = tokens.id_token;
    } catch (err) {
      this.logger.warn({ msg: 'OIDC code exchange refused', error: (err as Error).message });
      throw new DomainError('unauthorized', 'The identity provider did not confirm this sign-in');
    }
    if (!claims) throw new DomainError('unauthorized', 'The identity provider sent no ID token');
    const roles = rolesFromClaim(claims[this.config.get('OIDC_ROLE_CLAIM')], this.roleMap);
    const displayName =
      [claims.name, claims.preferred_username, claims.email, claims.sub].find(
        (v): v is string => typeof v === 'string' && v.trim() !== '',
      ) ?? claims.sub;
    if (!opensConsole(roles))
      throw new DomainError(
        'forbidden',
        `${displayName} holds no Herald role that opens the console (comms, auditor or admin); ask for one in the identity provider`,
      );
    return {
      actor: `person:${claims.sub}`,
      subject: claims.sub,
      displayName,
      roles,
      method: 'oidc',
      apiKeyId: null,
      idToken: idToken ?? null,
    };
  }

  /**
   * Where to send the browser on sign-out so the identity provider ends its session too
   * (OpenID Connect RP-Initiated Logout 1.0); null when the IdP offers no end-session endpoint,
   * or cannot be reached (the console session has ended either way).
   */
  async endSessionUrl(idToken: string | null, afterSignOut: string): Promise<string | null> {
    if (!this.enabled || !idToken) return null;
    try {
      const configuration = await this.discover();
      if (!configuration.serverMetadata().end_session_endpoint) return null;
      return oidc.buildEndSessionUrl(configuration, {
        id_token_hint: idToken,
        post_logout_redirect_uri: afterSignOut,
      }).href;
    } catch {
      return null;
    }
  }

  /** The page the IdP returns to after sign-out (register it as a post-logout redirect URI). */
  get postLogoutRedirectUri(): string {
    return new URL('/console/sign-in?reason=signed-out', this.config.get('PUBLIC_URL')).toString();
  }
}
