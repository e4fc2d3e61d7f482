import { ChildProcess, spawn } from 'child_process';
import path from 'path';

export const ROOT = path.resolve(__dirname, '../../..');

export interface Spawned {
  child: ChildProcess;
  output(): string;
  /**
   * Resolves when the output matches, rejects if the process exits first or time runs out.
   * The default is a bound on liveness, not a timing: ts-node's start on a shared, loaded
   * machine can take tens of seconds.
   */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

/** Runs one of our TypeScript entry points as its own process, as npm run dev or npx ts-node would. */
export function spawnTs(file: string, env: Record<string, string>): Spawned {
  return spawnCommand(process.execPath, ['-r', 'ts-node/register/transpile-only', file], env);
}

/** Runs a command in the project's directory, its output kept. */
export function spawnCommand(command: string, args: string[], env: Record<string, string>): Spawned {
  const child = spawn(command, args, {
    cwd: ROOT,
    // A clean environment: only what the test passes, plus what node itself needs.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    exited,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setInterval(() => {
          const m = out.match(pattern);
          if (m) {
            clearInterval(timer);
            resolve(m);
          } else if (child.exitCode !== null || Date.now() - started > timeoutMs) {
            clearInterval(timer);
            reject(new Error(`no ${pattern} in output:\n${out}`));
          }
        }, 25);
        const started = Date.now();
      });
    },
  };
}
