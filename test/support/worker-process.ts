import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const MAIN = resolve(__dirname, '../../dist/src/main.js');

export interface WorkerProcess {
  proc: ChildProcess;
  output: () => string;
  /** The exit code, or the signal that ended the process. */
  exited: Promise<number | NodeJS.Signals | null>;
}

/** A real Herald process (the built dist/), e.g. HERALD_ROLE=worker, to kill and restart. */
export function spawnHerald(env: Record<string, string>): WorkerProcess {
  if (!existsSync(MAIN))
    throw new Error(`${MAIN} is missing: run "npm run build" first (npm test does)`);
  const proc = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | NodeJS.Signals | null>((r) =>
    proc.on('exit', (code, signal) => r(code ?? signal)),
  );
  return { proc, output: () => out, exited };
}
