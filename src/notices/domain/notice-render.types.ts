// Input and output shapes of the notice renderer. Plain data: no Nest, no TypeORM.
import type { IncidentSeverity } from '../../incidents/domain/incident-vocabulary.js';
import type { NoticeKind } from './notice-lifecycle.js';

// Values the catalogs must label (one list each, where the incident or the notice defines
// them). Unknown values still render (as the raw value), so a new phase, category or
// recipient never blocks a notice; add its label to every catalog.
export {
  DATA_CATEGORIES,
  INCIDENT_PHASES,
  INCIDENT_SEVERITIES,
  type IncidentSeverity,
} from '../../incidents/domain/incident-vocabulary.js';
export { NOTICE_KINDS, type NoticeKind } from './notice-lifecycle.js';
export const OBLIGATION_RECIPIENTS = [
  'tenant',
  'supervisory-authority',
  'data-subjects',
  'individuals',
  'csirt',
  'competent-authority',
  'regulator',
  'internal-assessment',
] as const;

/** Free text fields a notice may carry per-locale translations of. */
export interface NoticeContentTranslation {
  title: string;
  description: string;
  dataImpactDescription: string;
  actionsTaken: string[];
  suggestedActions: string[];
}

/** The customer-facing content of a notice, as the communications team wrote it. */
export interface NoticeContent {
  title: string;
  description: string;
  dataImpact: {
    categories: string[];
    description: string;
    dataSubjectsEstimate?: number;
    recordsEstimate?: number;
  };
  actionsTaken: string[];
  suggestedActions: string[];
  /** Keyed by BCP 47 tag (`ja-JP`, `de`); chosen with the tenant's locale fallback chain. */
  translations?: Record<string, Partial<NoticeContentTranslation>>;
}

export interface RenderObligation {
  regulationId: string;
  notifier: 'provider' | 'tenant';
  recipient: string;
  dueAt: string | null;
  dueText: string;
  citation: string;
}

export interface NoticeRenderInput {
  notice: { id: string; kind: NoticeKind; revision: number; content: NoticeContent };
  incident: {
    id: string;
    externalId: string;
    severity: IncidentSeverity;
    phase: string;
    awareAt: string;
    occurredAt: string | null;
  };
  tenant: { id: string; name: string; locale: string; timeZone: string };
  noticeDueAt: string | null;
  obligations: RenderObligation[];
  /** `portalUrl`: the tenant portal, where a notice ID can be looked up to check it is genuine. */
  provider: { name: string; contact: string; portalUrl: string };
  /** A contact's own locale; overrides the tenant's. */
  locale?: string;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
  /** The catalog locale the notice was written in (`ja`, `pt-BR`, `en`). */
  locale: string;
}

export interface RenderedPost {
  title: string;
  html: string;
  text: string;
  locale: string;
}
