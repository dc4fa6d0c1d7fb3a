import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BrowserSessionStore } from '../common/web/browser-sessions.js';
import { StaffSessionEntity } from './entities/staff-session.entity.js';

@Injectable()
export class StaffSessionsRepository extends BrowserSessionStore<StaffSessionEntity> {
  constructor(dataSource: DataSource) {
    // The ID token is kept only to end the IdP's session on sign-out.
    super(dataSource, 'staff_sessions', StaffSessionEntity, ['id_token']);
  }
}
