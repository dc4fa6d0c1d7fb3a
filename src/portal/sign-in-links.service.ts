import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { Clock } from '../common/clock/clock.js';
import { secretSha256 } from '../common/web/browser-sessions.js';
import { AppConfig } from '../config/app-config.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { MAILER } from '../mail/mailer.provider.js';
import type { Mailer } from '../mail/mailer.js';
import { NOTICE_ROLES } from '../tenants/dto/tenant.dto.js';
import type { TenantContact } from '../tenants/entities/tenant.entity.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { signInMail } from './domain/sign-in-mail.js';
import { TenantSessionEntity } from './entities/tenant-session.entity.js';
import { TenantSessionsRepository } from './tenant-sessions.repository.js';
import { TenantSessionsService } from './tenant-sessions.service.js';

type Contact = Pick<TenantContact, 'name' | 'email'> & { role: string };

function noticeContact(contacts: readonly Contact[], email: string): Contact | undefined {
  const wanted = email.toLowerCase();
  return contacts.find(
    (c) => c.email.toLowerCase() === wanted && (NOTICE_ROLES as readonly string[]).includes(c.role),
  );
}

/** One-time sign-in links to a tenant's notice contacts. */
@Injectable()
export class SignInLinksService {
  private readonly logger = new Logger(SignInLinksService.name);

  constructor(
    private readonly repository: TenantSessionsRepository,
    private readonly sessions: TenantSessionsService,
    private readonly tenants: TenantsService,
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    @Inject(MAILER) private readonly mailer: Mailer,
  ) {}

  /**
   * Mails a link to this address for every tenant that lists it as a notice contact; nothing
   * for any other address. The caller does not wait for it and answers the same either way, so
   * neither the answer nor its timing tells whether the address is on file.
   */
  async request(email: string): Promise<number> {
    const tenants = await this.tenants.withNoticeContact(email);
    const minutes = this.config.get('PORTAL_LINK_MINUTES');
    let sent = 0;
    for (const tenant of tenants) {
      const contact = noticeContact(tenant.contacts, email);
      if (!contact) continue;
      const token = randomBytes(32).toString('base64url');
      const now = this.clock.now();
      await this.uow.run((manager) =>
        this.repository.insertLink(manager, {
          tokenSha256: secretSha256(token),
          tenantId: tenant.id,
          email: contact.email.toLowerCase(),
          createdAt: now,
          expiresAt: new Date(now.getTime() + minutes * 60_000),
          usedAt: null,
        }),
      );
      const link = `${this.config.publicUrl}/portal/sign-in/link?tenant=${encodeURIComponent(tenant.id)}&token=${token}`;
      const digest = createHash('sha256').update(token).digest('hex').slice(0, 24);
      await this.mailer.send({
        from: this.config.get('MAIL_FROM'),
        // The address as the tenant lists it, not as it was typed.
        to: contact.email,
        ...signInMail({
          providerName: this.config.get('PROVIDER_NAME'),
          tenantName: tenant.name,
          contactName: contact.name,
          link,
          minutes,
        }),
        messageId: `<portal-sign-in.${digest}@${this.config.messageIdDomain}>`,
        headers: { 'X-Herald-Portal': 'sign-in-link' },
        date: now,
      });
      sent++;
    }
    this.logger.log({ msg: 'portal sign-in links requested', links: sent });
    return sent;
  }

  /**
   * A session for the link's contact, or null: the link is used up in the same transaction
   * that starts the session, and only while that address is still a notice contact of the tenant.
   */
  async consume(
    tenantId: string,
    token: string,
  ): Promise<{ token: string; session: TenantSessionEntity } | null> {
    if (token.length < 20 || token.length > 100) return null;
    if (!(await this.tenants.exists(tenantId))) return null;
    const tenant = await this.tenants.get(tenantId);
    return this.uow.run(async (manager) => {
      const link = await this.repository.consumeLink(
        manager,
        secretSha256(token),
        tenantId,
        this.clock.now(),
      );
      if (!link) return null;
      const contact = noticeContact(tenant.contacts, link.email);
      if (!contact) return null;
      return this.sessions.start(
        {
          tenantId,
          actor: `person:${link.email}`,
          subject: link.email,
          displayName: `${contact.name} <${link.email}>`,
          method: 'link',
          apiKeyId: null,
        },
        manager,
      );
    });
  }
}
