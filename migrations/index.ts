import { Foundation1764300000000 } from './1764300000000-Foundation.js';
import { NoticesAndDeliveries1764300100000 } from './1764300100000-NoticesAndDeliveries.js';
import { ComplianceAndRetention1764300600000 } from './1764300600000-ComplianceAndRetention.js';
import { DeadlineOrderedDelivery1764301300000 } from './1764301300000-DeadlineOrderedDelivery.js';

/** Every migration, in order. A new migration file is added here too (see README). */
export const MIGRATIONS = [
  Foundation1764300000000,
  NoticesAndDeliveries1764300100000,
  ComplianceAndRetention1764300600000,
  DeadlineOrderedDelivery1764301300000,
];
