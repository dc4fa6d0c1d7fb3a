import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * New deliveries get time-ordered ids (UUID version 7, RFC 9562: 48 bits of Unix milliseconds,
 * then 74 random bits) instead of random ones (version 4). A delivery's row is written three
 * times (queued, claimed, sent), and each version adds an entry to the primary key: with random
 * ids every entry lands on a random leaf page of an index that at a million tenants no longer
 * fits in shared buffers, and every leaf page first touched after a checkpoint goes whole into
 * the WAL. Time-ordered ids keep a fan-out page's entries, and the sender's updates that follow
 * it in the same order, on the index's rightmost pages. Existing ids are left as they are (the
 * two kinds sort and compare alike), and ids stay unguessable (74 random bits).
 * See docs/benchmarks.md (session 10) for what it changes.
 */
export class TimeOrderedDeliveryIds1796600000000 implements MigrationInterface {
  name = 'TimeOrderedDeliveryIds1796600000000';

  async up(q: QueryRunner): Promise<void> {
    // gen_random_uuid's 122 random bits, the first 48 replaced by the clock's milliseconds and
    // the version nibble set from 4 (0100) to 7 (0111): set_bit numbers a byte's bits from its
    // least significant, so bits 52 and 53 are the low two of byte 6's high nibble.
    await q.query(`
      CREATE FUNCTION herald_uuid_v7() RETURNS uuid
      LANGUAGE sql VOLATILE PARALLEL SAFE
      AS $$
        SELECT encode(
          set_bit(set_bit(
            overlay(uuid_send(gen_random_uuid())
              PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
              FROM 1 FOR 6),
            52, 1), 53, 1),
          'hex')::uuid
      $$`);
    await q.query(`ALTER TABLE "deliveries" ALTER COLUMN "id" SET DEFAULT herald_uuid_v7()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "deliveries" ALTER COLUMN "id" SET DEFAULT gen_random_uuid()`);
    await q.query(`DROP FUNCTION herald_uuid_v7()`);
  }
}
