import { Foundation1764300000000 } from './1764300000000-Foundation.js';
import { NoticesAndDeliveries1764300100000 } from './1764300100000-NoticesAndDeliveries.js';
import { ComplianceAndRetention1764300600000 } from './1764300600000-ComplianceAndRetention.js';
import { BootstrapApiKeyFlag1764301000000 } from './1764301000000-BootstrapApiKeyFlag.js';
import { DeadlineOrderedDelivery1764301300000 } from './1764301300000-DeadlineOrderedDelivery.js';
import { EscalationOutbox1796114010474 } from './1796114010474-EscalationOutbox.js';
import { StaffSessions1796200000000 } from './1796200000000-StaffSessions.js';
import { ShardedAuditLog1796200100000 } from './1796200100000-ShardedAuditLog.js';
import { Acknowledgements1796310000000 } from './1796310000000-Acknowledgements.js';
import { ContactVerifications1796310100000 } from './1796310100000-ContactVerifications.js';
import { TenantPortal1796310200000 } from './1796310200000-TenantPortal.js';
import { DeliveryBounces1796320000000 } from './1796320000000-DeliveryBounces.js';
import { Webhooks1796330000000 } from './1796330000000-Webhooks.js';
import { StaffSessionIdToken1796350000000 } from './1796350000000-StaffSessionIdToken.js';
import { DeliveryAtScale1796400000000 } from './1796400000000-DeliveryAtScale.js';
import { FeedPostBodies1796500000000 } from './1796500000000-FeedPostBodies.js';
import { TimeOrderedDeliveryIds1796600000000 } from './1796600000000-TimeOrderedDeliveryIds.js';
import { DeliveriesRoomForClaims1796700000000 } from './1796700000000-DeliveriesRoomForClaims.js';
import { FanoutPagesInIndexOrder1796800000000 } from './1796800000000-FanoutPagesInIndexOrder.js';
import { RecordingWithCachedPlans1796900000000 } from './1796900000000-RecordingWithCachedPlans.js';

/** Every migration, in order. A new migration file is added here too (see README). */
export const MIGRATIONS = [
  Foundation1764300000000,
  NoticesAndDeliveries1764300100000,
  ComplianceAndRetention1764300600000,
  BootstrapApiKeyFlag1764301000000,
  DeadlineOrderedDelivery1764301300000,
  EscalationOutbox1796114010474,
  StaffSessions1796200000000,
  ShardedAuditLog1796200100000,
  Acknowledgements1796310000000,
  ContactVerifications1796310100000,
  TenantPortal1796310200000,
  DeliveryBounces1796320000000,
  Webhooks1796330000000,
  StaffSessionIdToken1796350000000,
  DeliveryAtScale1796400000000,
  FeedPostBodies1796500000000,
  TimeOrderedDeliveryIds1796600000000,
  DeliveriesRoomForClaims1796700000000,
  FanoutPagesInIndexOrder1796800000000,
  RecordingWithCachedPlans1796900000000,
];
