import { Injectable } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import {
  NoticeRenderContext,
  NoticeRenderingService,
} from '../notices/notice-rendering.service.js';
import { NoticesService } from '../notices/notices.service.js';

const TTL_MS = 60_000;
const MAX_NOTICES = 100;

/** The approved content and incident facts of a notice, kept briefly: the same for every tenant. */
@Injectable()
export class NoticeContextCache {
  private readonly contexts = new Map<string, { at: number; ctx: Promise<NoticeRenderContext> }>();

  constructor(
    private readonly notices: NoticesService,
    private readonly rendering: NoticeRenderingService,
  ) {}

  get(noticeId: string): Promise<NoticeRenderContext> {
    // An age, not business time: how long this copy may be reused.
    const at = performance.now();
    const cached = this.contexts.get(noticeId);
    if (cached && at - cached.at < TTL_MS) return cached.ctx;
    const ctx = this.notices.get(noticeId).then((notice) => this.rendering.context(notice));
    ctx.catch(() => this.contexts.delete(noticeId));
    this.contexts.set(noticeId, { at, ctx });
    if (this.contexts.size > MAX_NOTICES)
      this.contexts.delete(this.contexts.keys().next().value as string);
    return ctx;
  }
}
