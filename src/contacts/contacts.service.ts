import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { secretSha256 } from '../common/web/browser-sessions.js';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock/clock.js';
import { ContactFacts } from '../common/facts/contact-facts.js';
import { AppConfig } from '../config/app-config.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { MAILER } from '../mail/mailer.provider.js';
import type { Mailer } from '../mail/mailer.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { ContactsRepository, VerificationRow } from './contacts.repository.js';
import {
  type ListedContact,
  noticeAddresses,
  reconcile,
  reconfirmCutoff,
  verificationState,
  VerificationState,
} from './domain/contact-verification.js';
import { verificationMail } from './domain/verification-mail.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const PAGE = 500;
// Tenants changed this long before the last sweep's mark are compared again: a transaction that
// took its timestamp before the mark but committed after it is not missed.
const SYNC_OVERLAP_MS = 5 * 60_000;

/**
 * Where a contact needing verification is announced to the tenant's own systems: bound to the
 * webhooks feature (`WebhookEventsService.publish`, see contacts.module.ts).
 */
export interface ContactEventsPublisher {
  publish(
    tenantId: string,
    event: 'contacts.verification_needed',
    data: Record<string, unknown>,
  ): Promise<void>;
}
export const CONTACT_EVENTS = Symbol('CONTACT_EVENTS');

export interface ContactStatus {
  email: string;
  name: string;
  state: VerificationState;
  verifiedAt: string | null;
  requestedAt: string | null;
}

/** A tenant the operators' contact report lists: no verified notice contact, or one that bounced. */
export interface ContactsReportItem {
  tenantId: string;
  tenantName: string;
  noticeContacts: number;
  hasVerifiedContact: boolean;
  unverified: string[];
  bounced: Array<{ email: string; bouncedAt: string; diagnostic: string | null }>;
}

/**
 * Verification of tenants' notice contact addresses: a new or changed address is mailed a link;
 * verified addresses are asked again after CONTACT_RECONFIRM_DAYS. Nothing here holds back a
 * notice: an unverified address still gets every one, it is only flagged.
 */
@Injectable()
export class ContactsService {
  private readonly logger = new Logger(ContactsService.name);
  readonly reconfirmMs: number;

  constructor(
    private readonly repository: ContactsRepository,
    private readonly tenants: TenantsService,
    private readonly audit: AuditService,
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly contactFacts: ContactFacts,
    @Inject(MAILER) private readonly mailer: Mailer,
    @Optional() @Inject(CONTACT_EVENTS) private readonly events: ContactEventsPublisher | null,
  ) {
    this.reconfirmMs = config.get('CONTACT_RECONFIRM_DAYS') * DAY_MS;
  }

  /** Brings one tenant's verifications in line with its contacts and mails the new addresses. */
  async sync(tenantId: string): Promise<number> {
    const tenant = await this.tenants.get(tenantId);
    await this.reconcileTenant(tenant.id, tenant.contacts);
    return this.sendRequests({ tenantId });
  }

  /**
   * The periodic job: compares the tenants changed since the last sweep, then mails every address
   * not asked yet and every verification older than the period. Returns what it did.
   *
   * Security notices come first: while notice emails are queued (an incident is being
   * delivered), the sweep stops before its next page and leaves the relay, the database and the
   * workers to them; the next sweep starts again from the last completed comparison (comparing
   * is idempotent). A mass import of tenants thus never puts thousands of verification requests
   * in front of a 1-hour deadline.
   */
  async sweep(): Promise<{ tenants: number; requested: number; deferred: boolean }> {
    const started = this.clock.now();
    const mark = await this.repository.syncedThrough();
    const since = new Date((mark?.getTime() ?? 0) - SYNC_OVERLAP_MS);
    let after: { updatedAt: Date; id: string } | null = null;
    let tenants = 0;
    let requested = 0;
    let latest = mark;
    const deferred = async () => {
      if (!(await this.contactFacts.noticeEmailsQueued())) return false;
      this.logger.log({
        msg: 'contact sweep deferred: notice emails are being delivered',
        tenants,
        requested,
      });
      return true;
    };
    for (;;) {
      if (await deferred()) return { tenants, requested, deferred: true };
      const page = await this.tenants.changedSince(since, after, PAGE);
      for (const t of page) await this.reconcileTenant(t.id, t.contacts);
      tenants += page.length;
      const last = page[page.length - 1];
      if (last) {
        after = { updatedAt: last.updatedAt, id: last.id };
        if (!latest || last.updatedAt > latest) latest = last.updatedAt;
      }
      if (page.length < PAGE) break;
    }
    // Never ahead of this sweep's own start: a tenant stamped later is compared next time.
    if (latest) await this.repository.setSyncedThrough(latest < started ? latest : started);
    for (;;) {
      if (await deferred()) return { tenants, requested, deferred: true };
      const n = await this.sendRequests();
      requested += n;
      if (n < PAGE) break;
    }
    return { tenants, requested, deferred: false };
  }

  /** The link's address verified (the owner clicked); null when the link is unknown, used or expired. */
  async verify(
    tenantId: string,
    token: string,
  ): Promise<{ email: string; tenantId: string } | null> {
    if (token.length < 20 || token.length > 100) return null;
    const now = this.clock.now();
    return this.uow.run(async (manager) => {
      const row = await this.repository.verifyByToken(manager, secretSha256(token), tenantId, now);
      if (!row) return null;
      await this.audit.append(manager, [
        {
          actor: `person:${row.email}`,
          action: 'contact.verified',
          entityType: 'contact',
          entityId: `${row.tenantId}/${row.email}`,
          change: {
            tenantId: row.tenantId,
            email: row.email,
            name: row.name,
            verifiedAt: now.toISOString(),
          },
        },
      ]);
      return { email: row.email, tenantId: row.tenantId };
    });
  }

  /** Each notice contact of the tenant with its verification state (unknown yet: unverified). */
  async statusOf(tenantId: string, contacts: readonly ListedContact[]): Promise<ContactStatus[]> {
    const rows = new Map((await this.repository.ofTenants([tenantId])).map((r) => [r.email, r]));
    const now = this.clock.now();
    return [...noticeAddresses(contacts)].map(([email, name]) =>
      this.status(rows.get(email), email, name, now),
    );
  }

  /**
   * Tenants needing their contacts looked at, by tenant id (a page of `limit`, from `afterId`):
   * no verified notice contact, or a notice contact whose latest email bounced (the delivery
   * feature reports those through ContactFacts).
   */
  async needingAttention(
    afterId: string,
    limit: number,
  ): Promise<{ items: ContactsReportItem[]; last: string | null }> {
    const items: ContactsReportItem[] = [];
    const now = this.clock.now();
    let cursor = afterId;
    for (;;) {
      const page = await this.tenants.contactsPage(cursor, PAGE);
      const [rows, bounces] = await Promise.all([
        this.repository.ofTenants(page.map((t) => t.id)),
        this.contactFacts.bouncedAddresses(page.map((t) => t.id)),
      ]);
      const byKey = new Map(rows.map((r) => [`${r.tenantId}\n${r.email}`, r]));
      for (const t of page) {
        cursor = t.id;
        const listed = noticeAddresses(t.contacts);
        const statuses = [...listed].map(([email, name]) =>
          this.status(byKey.get(`${t.id}\n${email}`), email, name, now),
        );
        const bounced = (bounces.get(t.id) ?? []).filter((b) => listed.has(b.email));
        const hasVerifiedContact = statuses.some((s) => s.state === 'verified');
        if (hasVerifiedContact && bounced.length === 0) continue;
        items.push({
          tenantId: t.id,
          tenantName: t.name,
          noticeContacts: statuses.length,
          hasVerifiedContact,
          unverified: statuses.filter((s) => s.state !== 'verified').map((s) => s.email),
          bounced: bounced.map((b) => ({
            email: b.email,
            bouncedAt: b.bouncedAt.toISOString(),
            diagnostic: b.diagnostic,
          })),
        });
        if (items.length === limit) return { items, last: t.id };
      }
      if (page.length < PAGE) return { items, last: null };
    }
  }

  private status(
    row: VerificationRow | undefined,
    email: string,
    name: string,
    now: Date,
  ): ContactStatus {
    return {
      email,
      name,
      state: verificationState({ verifiedAt: row?.verifiedAt ?? null }, now, this.reconfirmMs),
      verifiedAt: row?.verifiedAt?.toISOString() ?? null,
      requestedAt: row?.requestedAt?.toISOString() ?? null,
    };
  }

  private async reconcileTenant(
    tenantId: string,
    contacts: readonly ListedContact[],
  ): Promise<void> {
    await this.uow.run(async (manager) => {
      const known = await this.repository.lockTenant(manager, tenantId);
      const { add, remove } = reconcile(
        contacts,
        known.map((r) => r.email),
      );
      if (add.length === 0 && remove.length === 0) return;
      await this.repository.insert(manager, tenantId, add, this.clock.now());
      await this.repository.remove(manager, tenantId, remove);
      await this.audit.append(manager, [
        {
          actor: 'system',
          action: 'contact.verifications-synced',
          entityType: 'tenant',
          entityId: tenantId,
          change: { added: add.map((a) => a.email), removed: remove },
        },
      ]);
    });
  }

  /** Claims and mails up to a page of due requests; returns how many were claimed. */
  private async sendRequests(only?: { tenantId: string }): Promise<number> {
    const now = this.clock.now();
    const expiresAt = new Date(
      now.getTime() + this.config.get('CONTACT_VERIFICATION_LINK_HOURS') * HOUR_MS,
    );
    const tokens = new Map<string, string>();
    const claimed = await this.uow.run(async (manager) => {
      const rows = await this.repository.claimRequests(
        manager,
        reconfirmCutoff(now, this.reconfirmMs),
        PAGE,
        now,
        (row) => {
          const token = randomBytes(32).toString('base64url');
          tokens.set(`${row.tenantId}\n${row.email}`, token);
          return secretSha256(token);
        },
        expiresAt,
        only,
      );
      if (rows.length > 0)
        await this.audit.append(
          manager,
          rows.map((r) => ({
            actor: 'system',
            action: 'contact.verification-requested',
            entityType: 'contact' as const,
            entityId: `${r.tenantId}/${r.email}`,
            change: {
              tenantId: r.tenantId,
              email: r.email,
              reason: r.reason,
              linkExpiresAt: expiresAt.toISOString(),
            },
          })),
        );
      return rows;
    });
    const names = new Map<string, string>();
    for (const row of claimed) {
      const token = tokens.get(`${row.tenantId}\n${row.email}`) as string;
      try {
        if (!names.has(row.tenantId))
          names.set(row.tenantId, (await this.tenants.get(row.tenantId)).name);
        await this.mail(row, row.reason, token, expiresAt, names.get(row.tenantId) as string, now);
        await this.announce(row, row.reason, expiresAt);
      } catch (err) {
        this.logger.warn({
          msg: 'verification request not sent; the next sweep asks again',
          tenantId: row.tenantId,
          error: err instanceof Error ? err.message : String(err),
        });
        await this.repository.unclaim(row.tenantId, row.email);
      }
    }
    return claimed.length;
  }

  private async mail(
    row: VerificationRow,
    reason: 'new' | 'reconfirm',
    token: string,
    expiresAt: Date,
    tenantName: string,
    now: Date,
  ): Promise<void> {
    const link = `${this.config.publicUrl}/portal/contacts/verify?tenant=${encodeURIComponent(row.tenantId)}&token=${token}`;
    const content = verificationMail({
      providerName: this.config.get('PROVIDER_NAME'),
      tenantName,
      contactName: row.name,
      reason,
      link,
      expiresAt,
    });
    const digest = createHash('sha256')
      .update(`${row.tenantId}\n${row.email}\n${now.getTime()}`)
      .digest('hex')
      .slice(0, 24);
    await this.mailer.send({
      from: this.config.get('MAIL_FROM'),
      to: row.email,
      ...content,
      messageId: `<contact-verification.${digest}@${this.config.messageIdDomain}>`,
      headers: { 'X-Herald-Contact-Verification': reason },
      date: now,
    });
  }

  // The one call site for the tenant's webhooks (bound by the lead at merge).
  private async announce(
    row: VerificationRow,
    reason: 'new' | 'reconfirm',
    expiresAt: Date,
  ): Promise<void> {
    if (!this.events) return;
    await this.events
      .publish(row.tenantId, 'contacts.verification_needed', {
        tenantId: row.tenantId,
        email: row.email,
        reason,
        linkExpiresAt: expiresAt.toISOString(),
      })
      .catch((err: unknown) =>
        this.logger.warn({
          msg: 'contacts.verification_needed not published',
          tenantId: row.tenantId,
          error: err instanceof Error ? err.message : String(err),
        }),
      );
  }
}
