import { resolve } from 'node:path';
import { NoticeRenderInput, NoticeRenderer } from './notice-renderer.js';
import { sampleNoticeRenderInput } from './notice-render-fixtures.js';

// Throughput is reported, not asserted: timing depends on the machine. Under jest the
// code runs in a vm context and is several times slower than in a plain Node process.
const LOCALES = ['en-US', 'ja-JP', 'de-DE', 'fr-FR', 'es-ES', 'pt-BR', 'en-GB', 'ko-KR'];
const ZONES = [
  'America/New_York',
  'Asia/Tokyo',
  'Europe/Berlin',
  'Europe/Paris',
  'America/Sao_Paulo',
  'UTC',
];

function tenants(count: number): NoticeRenderInput[] {
  // One notice, many tenants: the shape of a real fan-out.
  const base = sampleNoticeRenderInput();
  return Array.from({ length: count }, (_, i) => ({
    ...base,
    tenant: {
      id: `tenant-${i}`,
      name: `Tenant ${i}`,
      locale: LOCALES[i % LOCALES.length],
      timeZone: ZONES[i % ZONES.length],
    },
  }));
}

function perSecond(count: number, run: (i: number) => void): number {
  const started = performance.now();
  for (let i = 0; i < count; i++) run(i);
  return Math.round((count / (performance.now() - started)) * 1000);
}

describe('NoticeRenderer throughput', () => {
  it('should report renders per second when rendering a notice for many tenants', () => {
    const renderer = NoticeRenderer.load(resolve(import.meta.dirname, '../../../templates'));
    const inputs = tenants(500);
    let bytes = 0;
    perSecond(1000, (i) => (bytes += renderer.renderEmail(inputs[i % inputs.length]).html.length)); // warm-up
    const emails = perSecond(
      5000,
      (i) => (bytes += renderer.renderEmail(inputs[i % inputs.length]).html.length),
    );
    const posts = perSecond(
      5000,
      (i) => (bytes += renderer.renderPost(inputs[i % inputs.length]).html.length),
    );
    console.log(
      `NoticeRenderer: ${emails} emails/s (subject + HTML + text), ${posts} dashboard posts/s, one core, under jest`,
    );
    expect(bytes).toBeGreaterThan(0);
  });
});
