import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A dashboard post's HTML and text are the same for every tenant that shares its render facts
 * (locale, time zone, deadline, obligations) but for the tenant's name (NameTemplate): about
 * 27 KB a tenant, 2.7 GB for 100,000 tenants, each copy compressed and written to the WAL.
 * They are stored once per notice and set of facts (feed_post_bodies: the text's parts, split
 * where the name stands), and each post keeps the name as it goes between the parts (HTML-escaped
 * in the HTML). A post rendered directly (a template that prints the name otherwise) keeps its
 * whole HTML and text as before. Reading joins the parts with the post's name
 * (array_to_string), which gives back exactly the text whose content_sha256 the post records.
 * See docs/benchmarks.md (session 9) for what it saves.
 */
export class FeedPostBodies1796500000000 implements MigrationInterface {
  name = 'FeedPostBodies1796500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "feed_post_bodies" (
        "notice_id" uuid NOT NULL,
        "sha256" text NOT NULL,
        "html_parts" text[] NOT NULL,
        "text_parts" text[] NOT NULL,
        CONSTRAINT "PK_feed_post_bodies" PRIMARY KEY ("notice_id", "sha256"),
        CONSTRAINT "FK_feed_post_bodies_notice" FOREIGN KEY ("notice_id") REFERENCES "notices"("id") ON DELETE CASCADE
      )`);
    await q.query(`
      DO $$
      BEGIN
        ALTER TABLE feed_post_bodies
          ALTER COLUMN html_parts SET COMPRESSION lz4,
          ALTER COLUMN text_parts SET COMPRESSION lz4;
      EXCEPTION WHEN feature_not_supported THEN
        RAISE NOTICE 'lz4 is not available: dashboard post bodies stay compressed with pglz';
      END
      $$`);
    await q.query(`
      ALTER TABLE "feed_posts"
        ALTER COLUMN "content_html" DROP NOT NULL,
        ALTER COLUMN "content_text" DROP NOT NULL,
        ADD "body_sha256" text,
        ADD "html_fill" text,
        ADD "text_fill" text,
        ADD CONSTRAINT "FK_feed_posts_body" FOREIGN KEY ("notice_id", "body_sha256")
          REFERENCES "feed_post_bodies"("notice_id", "sha256"),
        ADD CONSTRAINT "CHK_feed_posts_content" CHECK (
          CASE WHEN "body_sha256" IS NULL
            THEN "content_html" IS NOT NULL AND "content_text" IS NOT NULL AND "html_fill" IS NULL AND "text_fill" IS NULL
            ELSE "content_html" IS NULL AND "content_text" IS NULL AND "html_fill" IS NOT NULL AND "text_fill" IS NOT NULL
          END)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE "feed_posts" p SET
        "content_html" = array_to_string(b."html_parts", p."html_fill"),
        "content_text" = array_to_string(b."text_parts", p."text_fill")
      FROM "feed_post_bodies" b
      WHERE b."notice_id" = p."notice_id" AND b."sha256" = p."body_sha256"`);
    await q.query(`
      ALTER TABLE "feed_posts"
        DROP CONSTRAINT "CHK_feed_posts_content",
        DROP CONSTRAINT "FK_feed_posts_body",
        DROP COLUMN "body_sha256",
        DROP COLUMN "html_fill",
        DROP COLUMN "text_fill",
        ALTER COLUMN "content_html" SET NOT NULL,
        ALTER COLUMN "content_text" SET NOT NULL`);
    await q.query(`DROP TABLE "feed_post_bodies"`);
  }
}
