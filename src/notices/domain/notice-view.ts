import { IntlFormatters } from './intl-formatters.js';
import { LocaleChoice, rankLocaleMatches } from './locale-resolver.js';
import { Translator } from './message-catalog.js';
import {
  DATA_CATEGORIES,
  INCIDENT_PHASES,
  INCIDENT_SEVERITIES,
  NOTICE_KINDS,
  NoticeContent,
  NoticeContentTranslation,
  NoticeKind,
  NoticeRenderInput,
  OBLIGATION_RECIPIENTS,
  RenderObligation,
} from './notice-render.types.js';
import { cleanLine, cleanMultiline, toParagraphs, truncateText } from './text-sanitize.js';

// The view model every template renders: plain data, every field present (templates are
// compiled in strict mode), free text already cleaned, labels translated, dates formatted.

/** Longest title placed in a subject or post title, before the kind prefix and reference. */
export const SHORT_TITLE_LENGTH = 150;

export interface DateView {
  text: string;
}

export interface LabelView {
  value: string;
  label: string;
}

export interface TextItemView {
  text: string;
  lines: string[];
}

export interface ObligationView {
  regulationId: string;
  notifier: string;
  recipient: string;
  due: DateView | null;
  dueText: string;
  citation: string;
}

export interface ResolvedContent {
  title: string;
  shortTitle: string;
  description: string;
  descriptionParagraphs: string[][];
  dataImpactDescription: string;
  dataImpactParagraphs: string[][];
  actionsTaken: TextItemView[];
  suggestedActions: TextItemView[];
}

export interface NoticeView {
  locale: string;
  kind: NoticeKind;
  kindIs: Record<NoticeKind, boolean>;
  kindLabel: string;
  provider: { name: string; contact: string; contactHref: string | null };
  tenant: { name: string };
  /** `verifyUrl`: where the tenant checks that a notice with this ID is genuine (the portal). */
  notice: { id: string; verifyUrl: string };
  incident: {
    externalId: string;
    severity: LabelView;
    severityIs: Record<(typeof INCIDENT_SEVERITIES)[number], boolean>;
    phase: LabelView;
    awareAt: DateView;
    occurredAt: DateView | null;
  };
  noticeDueAt: DateView | null;
  content: {
    title: string;
    shortTitle: string;
    description: string;
    descriptionParagraphs: string[][];
    actionsTaken: TextItemView[];
    suggestedActions: TextItemView[];
  };
  dataImpact: {
    categories: LabelView[];
    categoriesText: string | null;
    description: string;
    descriptionParagraphs: string[][];
    dataSubjectsEstimate: string | null;
    recordsEstimate: string | null;
  };
  providerObligations: ObligationView[];
  tenantObligations: ObligationView[];
}

/** Catalog keys the view builder looks up itself (templates' keys are found by the boot check). */
export const VIEW_REQUIRED_KEYS: readonly string[] = [
  ...NOTICE_KINDS.map((kind) => `kind.${kind}`),
  ...INCIDENT_SEVERITIES.map((severity) => `severity.${severity}`),
  ...INCIDENT_PHASES.map((phase) => `phase.${phase}`),
  ...DATA_CATEGORIES.map((category) => `category.${category}`),
  ...OBLIGATION_RECIPIENTS.map((recipient) => `recipient.${recipient}`),
  'notifier.tenant',
];

const EMAIL = /^[^\s@<>"'()]+@[^\s@<>"'()]+\.[^\s@<>"'()]+$/;
const HTTPS_URL = /^https:\/\/[^\s<>"']+$/i;

function items(values: readonly string[]): TextItemView[] {
  const out: TextItemView[] = [];
  for (const value of values) {
    const text = cleanMultiline(value);
    if (text !== '')
      out.push({
        text,
        lines: text
          .split('\n')
          .map((line) => line.trim())
          .filter((line) => line !== ''),
      });
  }
  return out;
}

/**
 * The free text in the reader's language: for each field, the first translation along
 * the locale chain that has it, else the text as written.
 */
export function resolveContent(content: NoticeContent, chain: readonly string[]): ResolvedContent {
  const translations = content.translations ?? {};
  const keys = Object.keys(translations);
  const ranked: Partial<NoticeContentTranslation>[] = [];
  if (keys.length > 0) {
    const seen = new Set<string>();
    for (const tag of chain) {
      for (const key of rankLocaleMatches(tag, keys)) {
        if (seen.has(key)) continue;
        seen.add(key);
        const translation = translations[key];
        if (translation !== null && typeof translation === 'object') ranked.push(translation);
      }
    }
  }
  const pick = <K extends keyof NoticeContentTranslation>(
    field: K,
    fallback: NoticeContentTranslation[K],
  ): NoticeContentTranslation[K] => {
    const isList = field === 'actionsTaken' || field === 'suggestedActions';
    for (const translation of ranked) {
      const value: unknown = translation[field];
      // A translation of the wrong shape is skipped rather than allowed to break a notice.
      const usable = isList
        ? Array.isArray(value) && value.every((item) => typeof item === 'string')
        : typeof value === 'string';
      if (usable) return value as NoticeContentTranslation[K];
    }
    return fallback;
  };

  const title = cleanLine(pick('title', content.title));
  const description = cleanMultiline(pick('description', content.description));
  const dataImpactDescription = cleanMultiline(
    pick('dataImpactDescription', content.dataImpact.description),
  );
  return {
    title,
    shortTitle: truncateText(title, SHORT_TITLE_LENGTH),
    description,
    descriptionParagraphs: toParagraphs(description),
    dataImpactDescription,
    dataImpactParagraphs: toParagraphs(dataImpactDescription),
    actionsTaken: items(pick('actionsTaken', content.actionsTaken)),
    suggestedActions: items(pick('suggestedActions', content.suggestedActions)),
  };
}

function parseInstant(value: string, field: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new RangeError(`${field} is not a valid timestamp: ${JSON.stringify(value)}`);
  return date;
}

function labelOrRaw(translator: Translator, prefix: string, value: string): string {
  const key = `${prefix}.${value}`;
  return translator.has(key) ? translator.t(key) : value;
}

function compareObligations(a: RenderObligation, b: RenderObligation): number {
  if (a.dueAt !== b.dueAt) {
    if (a.dueAt === null) return 1;
    if (b.dueAt === null) return -1;
    const diff =
      parseInstant(a.dueAt, 'dueAt').getTime() - parseInstant(b.dueAt, 'dueAt').getTime();
    if (diff !== 0) return diff;
  }
  return a.regulationId < b.regulationId ? -1 : a.regulationId > b.regulationId ? 1 : 0;
}

function estimate(
  formatters: IntlFormatters,
  locale: string,
  value: number | undefined,
): string | null {
  return typeof value === 'number' && Number.isFinite(value)
    ? formatters.number(locale).format(value)
    : null;
}

export function buildNoticeView(
  input: NoticeRenderInput,
  choice: LocaleChoice,
  translator: Translator,
  formatters: IntlFormatters,
  content: ResolvedContent,
): NoticeView {
  const { notice, incident, tenant, provider } = input;
  const formatDate = (value: string, field: string): DateView => {
    const date = parseInstant(value, field);
    return { text: formatters.formatInstant(choice.intlLocale, tenant.timeZone, date) };
  };

  const providerName = cleanLine(provider.name);
  const tenantLabel = translator.t('notifier.tenant');
  const obligation = (o: RenderObligation): ObligationView => ({
    regulationId: cleanLine(o.regulationId),
    notifier: o.notifier === 'provider' ? providerName : tenantLabel,
    recipient: labelOrRaw(translator, 'recipient', o.recipient),
    due: o.dueAt === null ? null : formatDate(o.dueAt, `obligation ${o.regulationId} dueAt`),
    dueText: cleanLine(o.dueText),
    citation: cleanLine(o.citation),
  });
  const sorted = [...input.obligations].sort(compareObligations);

  const categoryLabels = notice.content.dataImpact.categories.map((value) => ({
    value,
    label: labelOrRaw(translator, 'category', value),
  }));
  const contact = cleanLine(provider.contact);

  return {
    locale: choice.catalog,
    kind: notice.kind,
    kindIs: {
      initial: notice.kind === 'initial',
      update: notice.kind === 'update',
      resolution: notice.kind === 'resolution',
    },
    kindLabel: translator.t(`kind.${notice.kind}`),
    provider: {
      name: providerName,
      contact,
      contactHref: EMAIL.test(contact)
        ? `mailto:${contact}`
        : HTTPS_URL.test(contact)
          ? contact
          : null,
    },
    tenant: { name: cleanLine(tenant.name) },
    notice: {
      id: notice.id,
      verifyUrl: `${provider.portalUrl.replace(/\/+$/, '')}/verify?reference=${encodeURIComponent(notice.id)}`,
    },
    incident: {
      externalId: cleanLine(incident.externalId),
      severity: {
        value: incident.severity,
        label: labelOrRaw(translator, 'severity', incident.severity),
      },
      severityIs: {
        low: incident.severity === 'low',
        medium: incident.severity === 'medium',
        high: incident.severity === 'high',
        critical: incident.severity === 'critical',
      },
      phase: { value: incident.phase, label: labelOrRaw(translator, 'phase', incident.phase) },
      awareAt: formatDate(incident.awareAt, 'incident.awareAt'),
      occurredAt:
        incident.occurredAt === null
          ? null
          : formatDate(incident.occurredAt, 'incident.occurredAt'),
    },
    noticeDueAt: input.noticeDueAt === null ? null : formatDate(input.noticeDueAt, 'noticeDueAt'),
    content: {
      title: content.title,
      shortTitle: content.shortTitle,
      description: content.description,
      descriptionParagraphs: content.descriptionParagraphs,
      actionsTaken: content.actionsTaken,
      suggestedActions: content.suggestedActions,
    },
    dataImpact: {
      categories: categoryLabels,
      categoriesText:
        categoryLabels.length === 0
          ? null
          : formatters.list(choice.intlLocale).format(categoryLabels.map((c) => c.label)),
      description: content.dataImpactDescription,
      descriptionParagraphs: content.dataImpactParagraphs,
      dataSubjectsEstimate: estimate(
        formatters,
        choice.intlLocale,
        notice.content.dataImpact.dataSubjectsEstimate,
      ),
      recordsEstimate: estimate(
        formatters,
        choice.intlLocale,
        notice.content.dataImpact.recordsEstimate,
      ),
    },
    providerObligations: sorted.filter((o) => o.notifier === 'provider').map(obligation),
    tenantObligations: sorted.filter((o) => o.notifier !== 'provider').map(obligation),
  };
}
