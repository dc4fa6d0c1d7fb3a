import { Injectable } from '@nestjs/common';
import { AcknowledgementsService } from '../acknowledgements/acknowledgements.service.js';
import { notFound } from '../common/errors.js';
import { encodeCursor, type Page } from '../common/pagination.js';
import type { Obligation } from '../regulations/domain/evaluate.js';
import { RegulationsService } from '../regulations/regulations.service.js';
import {
  ComplianceRepository,
  PortfolioIncidentRow,
  PortfolioWindow,
  ReportDeliveryRow,
  ReportIncidentRow,
  ReportNoticeRow,
  ReportTenantRow,
} from './compliance.repository.js';
import { AppConfig } from '../config/app-config.js';
import {
  ComplianceCounts,
  deadlineState,
  DeadlineState,
  tenantOutcome,
} from './domain/compliance-status.js';
import { Clock } from '../common/clock/clock.js';

export interface ApprovalView {
  approver: string;
  approvedAt: string;
  revision: number;
  contentSha256: string;
}

export interface ReportNoticeView {
  noticeId: string;
  kind: string;
  status: string;
  approvedRevision: number | null;
  approvedSha256: string | null;
  approvedAt: string | null;
  approvals: ApprovalView[];
}

export interface ReportDeliveryView {
  id: string;
  noticeId: string;
  channel: 'email' | 'dashboard' | 'webhook';
  recipient: string;
  status: 'queued' | 'sent' | 'failed' | 'bounced';
  attempts: number;
  queuedAt: string;
  sentAt: string | null;
  failedAt: string | null;
  bouncedAt: string | null;
  messageId: string | null;
  contentSha256: string | null;
  lastError: string | null;
}

export interface ComplianceTenantView {
  tenantId: string;
  tenantName: string | null;
  noticeDueAt: string;
  firstSentAt: string | null;
  firstSentChannel: 'email' | 'dashboard' | 'webhook' | null;
  metDeadline: boolean | null;
  undeliverable: boolean;
  /** What the deadline watch sees: notified, ok, near (less than the warning share left) or missed. */
  deadlineState: DeadlineState;
  obligations: Obligation[];
  rulesVersion: string;
  /** The tenant's first acknowledgement of a notice of this incident (null until then). */
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  /** The notices this tenant was sent (has deliveries of), each with its approvals. */
  notices: ReportNoticeView[];
  deliveries: ReportDeliveryView[];
}

export interface IncidentSummaryView {
  id: string;
  externalId: string;
  title: string;
  severity: string;
  phase: string;
  status: string;
  awareAt: string;
}

export interface IncidentComplianceReport extends Page<ComplianceTenantView> {
  incident: IncidentSummaryView;
  generatedAt: string;
  /** On the first page only (null after): one aggregate over every tenant, seconds for a million. */
  summary: ComplianceCounts | null;
}

export interface PortfolioCounts {
  affected: number;
  notifiedInTime: number;
  late: number;
  notifiedLate: number;
  missed: number;
  undeliverable: number;
  pending: number;
}

export interface PortfolioItem extends IncidentSummaryView, PortfolioCounts {}

export interface PortfolioReport extends Page<PortfolioItem> {
  from: string | null;
  to: string | null;
  generatedAt: string;
  totals: PortfolioCounts & { incidents: number };
}

const iso = (d: Date | null): string | null => d?.toISOString() ?? null;

function incidentView(i: ReportIncidentRow): IncidentSummaryView {
  return {
    id: i.id,
    externalId: i.externalId,
    title: i.title,
    severity: i.severity,
    phase: i.phase,
    status: i.status,
    awareAt: i.awareAt.toISOString(),
  };
}

function portfolioCounts(c: ComplianceCounts): PortfolioCounts {
  return {
    affected: c.tenants,
    notifiedInTime: c.notifiedInTime,
    late: c.late,
    notifiedLate: c.notifiedLate,
    missed: c.missed,
    undeliverable: c.undeliverable,
    pending: c.notYetDue,
  };
}

export const REPORT_PAGE_SIZE = 1000;

/** The compliance reports: per incident (tenant by tenant) and across incidents (counts). */
@Injectable()
export class ComplianceService {
  constructor(
    private readonly repository: ComplianceRepository,
    private readonly regulations: RegulationsService,
    private readonly acknowledgements: AcknowledgementsService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async incident(id: string): Promise<ReportIncidentRow> {
    const incident = await this.repository.incident(id);
    if (!incident) throw notFound('Incident', id);
    return incident;
  }

  async incidentReport(
    incidentId: string,
    options: { limit: number; afterTenantId?: string; tenantId?: string },
    now = this.clock.now(),
  ): Promise<IncidentComplianceReport> {
    const incident = await this.incident(incidentId);
    const [summary, notices, rows] = await Promise.all([
      options.afterTenantId === undefined
        ? this.repository.incidentCounts(incidentId, now, options.tenantId)
        : null,
      this.repository.notices(incidentId),
      this.repository.tenantPage(
        incidentId,
        options.afterTenantId ?? '',
        options.limit + 1,
        options.tenantId,
      ),
    ]);
    const more = rows.length > options.limit;
    const items = await this.tenantViews(
      { incident, notices, now },
      more ? rows.slice(0, options.limit) : rows,
    );
    return {
      incident: incidentView(incident),
      generatedAt: now.toISOString(),
      summary,
      items,
      nextCursor: more ? encodeCursor({ t: items[items.length - 1].tenantId }) : null,
    };
  }

  /** Every affected tenant's row, a page at a time (for CSV): memory stays flat. */
  async *incidentReportPages(
    incidentId: string,
    tenantId?: string,
    now = this.clock.now(),
  ): AsyncIterable<ComplianceTenantView[]> {
    const context = {
      incident: await this.incident(incidentId),
      notices: await this.repository.notices(incidentId),
      now,
    };
    let after = '';
    for (;;) {
      const rows = await this.repository.tenantPage(incidentId, after, REPORT_PAGE_SIZE, tenantId);
      if (rows.length === 0) return;
      yield await this.tenantViews(context, rows);
      if (rows.length < REPORT_PAGE_SIZE) return;
      after = rows[rows.length - 1].tenantId;
    }
  }

  private async tenantViews(
    context: { incident: ReportIncidentRow; notices: ReportNoticeRow[]; now: Date },
    rows: ReportTenantRow[],
  ): Promise<ComplianceTenantView[]> {
    const { incident, notices, now } = context;
    const warnFraction = this.config.get('DEADLINE_WARN_FRACTION');
    const tenantIds = rows.map((r) => r.tenantId);
    const [deliveries, acknowledged] = await Promise.all([
      this.repository.deliveriesOf(incident.id, tenantIds),
      this.acknowledgements.firstPerTenant(incident.id, tenantIds),
    ]);
    const byTenant = new Map<string, ReportDeliveryRow[]>();
    for (const d of deliveries) {
      const list = byTenant.get(d.tenantId);
      if (list) list.push(d);
      else byTenant.set(d.tenantId, [d]);
    }
    const noticeViews = new Map(notices.map((n) => [n.id, noticeView(n)]));
    return Promise.all(
      rows.map(async (row) => {
        const own = byTenant.get(row.tenantId) ?? [];
        const outcome = tenantOutcome(own, row.noticeDueAt, now);
        const received = [...new Set(own.map((d) => d.noticeId))];
        return {
          tenantId: row.tenantId,
          tenantName: row.tenantName,
          noticeDueAt: row.noticeDueAt.toISOString(),
          firstSentAt: iso(outcome.firstSentAt),
          firstSentChannel: outcome.firstSentChannel,
          metDeadline: outcome.metDeadline,
          undeliverable: outcome.undeliverable,
          deadlineState: deadlineState({
            awareAt: incident.awareAt,
            noticeDueAt: row.noticeDueAt,
            notified: outcome.firstSentAt !== null,
            now,
            warnFraction,
          }),
          obligations: await this.regulations.expand(row.rulesVersion, row.obligations),
          rulesVersion: row.rulesVersion,
          acknowledgedAt: acknowledged.get(row.tenantId)?.acknowledgedAt ?? null,
          acknowledgedBy: acknowledged.get(row.tenantId)?.acknowledgedBy ?? null,
          notices: received
            .map((id) => noticeViews.get(id))
            .filter((n): n is ReportNoticeView => n !== undefined),
          deliveries: own.map(deliveryView),
        };
      }),
    );
  }

  async portfolio(
    window: PortfolioWindow,
    limit: number,
    after: { awareAt: string; id: string } | undefined,
    now = this.clock.now(),
  ): Promise<PortfolioReport> {
    const [rows, totals] = await Promise.all([
      this.repository.portfolioPage(window, now, limit + 1, after),
      this.repository.portfolioTotals(window, now),
    ]);
    const more = rows.length > limit;
    const items = (more ? rows.slice(0, limit) : rows).map(portfolioItem);
    const last = items[items.length - 1];
    return {
      from: iso(window.from ?? null),
      to: iso(window.to ?? null),
      generatedAt: now.toISOString(),
      totals: { incidents: totals.incidents, ...portfolioCounts(totals) },
      items,
      nextCursor: more && last ? encodeCursor({ a: last.awareAt, i: last.id }) : null,
    };
  }

  async *portfolioPages(
    window: PortfolioWindow,
    now = this.clock.now(),
  ): AsyncIterable<PortfolioItem[]> {
    let after: { awareAt: string; id: string } | undefined;
    for (;;) {
      const rows = await this.repository.portfolioPage(window, now, REPORT_PAGE_SIZE, after);
      if (rows.length === 0) return;
      yield rows.map(portfolioItem);
      if (rows.length < REPORT_PAGE_SIZE) return;
      const last = rows[rows.length - 1];
      after = { awareAt: last.awareAt.toISOString(), id: last.id };
    }
  }
}

function portfolioItem(row: PortfolioIncidentRow): PortfolioItem {
  return { ...incidentView(row), ...portfolioCounts(row.counts) };
}

function noticeView(n: ReportNoticeRow): ReportNoticeView {
  return {
    noticeId: n.id,
    kind: n.kind,
    status: n.status,
    approvedRevision: n.approvedRevision,
    approvedSha256: n.approvedSha256,
    approvedAt: iso(n.approvedAt),
    approvals: n.approvals,
  };
}

function deliveryView(d: ReportDeliveryRow): ReportDeliveryView {
  return {
    id: d.id,
    noticeId: d.noticeId,
    channel: d.channel,
    recipient: d.recipient,
    status: d.status,
    attempts: d.attempts,
    queuedAt: d.queuedAt.toISOString(),
    sentAt: iso(d.sentAt),
    failedAt: iso(d.failedAt),
    bouncedAt: iso(d.bouncedAt),
    messageId: d.messageId,
    contentSha256: d.contentSha256,
    lastError: d.lastError,
  };
}
