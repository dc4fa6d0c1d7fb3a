import { ApiKeyEntity } from '../api-keys/entities/api-key.entity.js';
import { AuditEventEntity } from '../audit/entities/audit-event.entity.js';
import { IncidentTenantEntity } from '../incidents/entities/incident-tenant.entity.js';
import { IncidentEntity } from '../incidents/entities/incident.entity.js';
import { RuleSetEntity } from '../regulations/entities/rule-set.entity.js';
import { TenantEntity } from '../tenants/entities/tenant.entity.js';

/** Every entity; listed explicitly so the app, the CLI and the tests load the same set. */
export const ENTITIES = [ApiKeyEntity, TenantEntity, IncidentEntity, IncidentTenantEntity, AuditEventEntity, RuleSetEntity];
