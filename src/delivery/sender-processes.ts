import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { AppConfig } from '../config/app-config.js';
import { APP_ROOT } from '../config/paths.js';

const MAIN = resolve(APP_ROOT, 'dist/src/main.js');

/**
 * Both cores by default: where workers run, this process forks DELIVERY_PROCESSES - 1 more
 * worker processes (the built dist/src/main.js, HERALD_ROLE=worker, no HTTP). Senders share the
 * queued deliveries through Postgres claims, so nothing else is coordinated. A forked process
 * leaves when its parent does (its parent pid changes), draining its sends first; a child that
 * dies is started again.
 */
@Injectable()
export class SenderProcesses implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SenderProcesses.name);
  private readonly children = new Set<ChildProcess>();
  private stopping = false;

  constructor(private readonly config: AppConfig) {}

  onApplicationBootstrap(): void {
    const parent = this.config.get('HERALD_FORKED_BY');
    if (parent !== undefined) {
      // The parent is gone (even by SIGKILL): shut down as on SIGTERM. The IPC channel's
      // 'disconnect' is not always seen, so the parent pid is watched as well (it changes once
      // the process is re-parented).
      let leaving = false;
      const leave = () => {
        clearInterval(watch);
        if (leaving) return;
        leaving = true;
        process.kill(process.pid, 'SIGTERM');
      };
      const watch = setInterval(() => {
        if (String(process.ppid) !== parent) leave();
      }, 500);
      watch.unref();
      process.once('disconnect', leave);
      return;
    }
    if (!this.config.runsWorkers) return;
    const extra = this.config.get('DELIVERY_PROCESSES') - 1;
    if (extra < 1) return;
    if (!existsSync(MAIN)) {
      this.logger.warn({ msg: 'not forking sender processes: build first', main: MAIN });
      return;
    }
    for (let i = 0; i < extra; i++) this.start();
  }

  private start(): void {
    const child = fork(MAIN, [], {
      env: {
        // The parent's environment and the configuration it was built from (a demo, a bench or a
        // test builds it from its own values, not from process.env), as a worker of its own.
        ...process.env,
        ...this.config.source,
        HERALD_ROLE: 'worker',
        WORKER_HTTP: 'false',
        RUN_MIGRATIONS: 'false',
        DELIVERY_PROCESSES: '1',
        HERALD_FORKED_BY: String(process.pid),
      },
      stdio: 'inherit',
    });
    this.children.add(child);
    this.logger.log({ msg: 'sender process started', pid: child.pid });
    child.once('exit', (code, signal) => {
      this.children.delete(child);
      if (this.stopping) return;
      this.logger.warn({ msg: 'sender process exited; starting another', code, signal });
      setTimeout(() => this.stopping || this.start(), 1000);
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.children].map(
        (child) =>
          new Promise<void>((done) => {
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      ),
    );
  }
}
