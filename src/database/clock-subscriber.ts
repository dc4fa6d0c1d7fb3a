import { Injectable, OnModuleInit } from '@nestjs/common';
import {
  DataSource,
  type EntityMetadata,
  type EntitySubscriberInterface,
  type InsertEvent,
  type UpdateEvent,
} from 'typeorm';
import { Clock } from '../common/clock/clock.js';

const hasUpdatedAt = (metadata: EntityMetadata) =>
  metadata.findColumnWithPropertyName('updatedAt') !== undefined;

interface Stamped {
  createdAt?: Date;
  updatedAt?: Date;
}

/**
 * Row bookkeeping (`created_at`, `updated_at`) written through TypeORM takes the app's Clock, not
 * the database server's `now()`, so that keyset paging, retention and the reconciler compare
 * values from one clock. The columns keep their `DEFAULT now()` only for rows written by hand.
 */
@Injectable()
export class ClockSubscriber implements EntitySubscriberInterface, OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    if (!this.dataSource.subscribers.includes(this)) this.dataSource.subscribers.push(this);
  }

  beforeInsert(event: InsertEvent<Stamped>): void {
    const entity = event.entity as Stamped | undefined;
    if (!entity) return;
    const now = this.clock.now();
    if (event.metadata.createDateColumn && !entity.createdAt) entity.createdAt = now;
    if (hasUpdatedAt(event.metadata) && !entity.updatedAt) entity.updatedAt = now;
  }

  // `updated_at` is a plain column, not an @UpdateDateColumn: TypeORM would otherwise write the
  // database's CURRENT_TIMESTAMP whenever the value set here equals the stored one.
  beforeUpdate(event: UpdateEvent<Stamped>): void {
    const entity = event.entity as Stamped | undefined;
    if (entity && hasUpdatedAt(event.metadata)) entity.updatedAt = this.clock.now();
  }
}
