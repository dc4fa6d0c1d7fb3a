import { MigrationInterface, QueryRunner } from 'typeorm';

export class StaffSessionIdToken1796350000000 implements MigrationInterface {
  name = 'StaffSessionIdToken1796350000000';

  async up(q: QueryRunner): Promise<void> {
    // The ID token of a single-sign-on session, kept only to end the person's session at the
    // identity provider too on sign-out (RP-initiated logout's id_token_hint); cleared then.
    await q.query(`ALTER TABLE "staff_sessions" ADD "id_token" text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "staff_sessions" DROP COLUMN "id_token"`);
  }
}
