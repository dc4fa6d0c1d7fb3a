import { Foundation1764300000000 } from './1764300000000-Foundation.js';
import { NoticesAndDeliveries1764300100000 } from './1764300100000-NoticesAndDeliveries.js';
import { ComplianceAndRetention1764300600000 } from './1764300600000-ComplianceAndRetention.js';
import { EscalationOutbox1796114010474 } from './1796114010474-EscalationOutbox.js';
import { ShardedAuditLog1796200000000 } from './1796200000000-ShardedAuditLog.js';

/** Every migration, in order. A new migration file is added here too (see README). */
export const MIGRATIONS = [
  Foundation1764300000000,
  NoticesAndDeliveries1764300100000,
  ComplianceAndRetention1764300600000,
  EscalationOutbox1796114010474,
  ShardedAuditLog1796200000000,
];
