/**
 * TypeScript child processes for cross-process tests: run with the workspace sources (`--conditions` + tsx, as the
 * packages' own workers), read line by line, released together by a line on stdin, killed on purpose.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

export interface TsChild {
  readonly process: ChildProcess;
  /** Every line the child printed so far. */
  readonly lines: string[];
  /** Calls `fn` for each line printed from now on. */
  onLine(fn: (line: string) => void): void;
  /** The first line (already printed or still to come) for which `match` holds; rejects if the child exits first. */
  waitFor(match: (line: string) => boolean): Promise<string>;
  /** Writes one line to the child's stdin. */
  send(line: string): void;
  /** Resolves once the child has exited (never rejects). */
  readonly exited: Promise<ChildExit>;
  /** SIGKILL, then the exit. */
  kill(): Promise<ChildExit>;
}

export interface SpawnOptions {
  /** Extra node flags, e.g. `--expose-gc`. */
  nodeArgs?: string[];
  env?: NodeJS.ProcessEnv;
  /** The child is killed after this long (default 120 s), so a hung child cannot outlive the test. */
  timeoutMs?: number;
}

/** A script of this folder (`crash-child.ts`, ...), as a path for {@link spawnTsChild}. */
export function kitScript(name: string): string {
  return join(dirname(fileURLToPath(import.meta.url)), name);
}

export function spawnTsChild(script: string, args: string[], options: SpawnOptions = {}): TsChild {
  const proc = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), '--conditions=@agent-sessions/source', '--import', 'tsx', script, ...args],
    { cwd: packageDir, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const lines: string[] = [];
  const listeners: ((line: string) => void)[] = [];
  let stderr = '';
  proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  proc.stdin?.on('error', () => {}); // a child that died cannot read: the exit says why
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const fn of [...listeners]) fn(line);
  });
  const timer = setTimeout(() => proc.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  const exited = new Promise<ChildExit>((resolve) => {
    proc.once('error', (error) => {
      stderr += String(error);
    });
    proc.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
  const child: TsChild = {
    process: proc,
    lines,
    onLine(fn) {
      listeners.push(fn);
    },
    waitFor(match) {
      const seen = lines.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const fn = (line: string) => {
          if (!match(line)) return;
          listeners.splice(listeners.indexOf(fn), 1);
          resolve(line);
        };
        listeners.push(fn);
        void exited.then((exit) => {
          if (listeners.includes(fn))
            reject(new Error(`child ${script} exited (${exit.code ?? exit.signal}) first: ${exit.stderr}`));
        });
      });
    },
    send(line) {
      proc.stdin?.write(`${line}\n`);
    },
    exited,
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      return exited;
    },
  };
  return child;
}

/** The last line a child printed, parsed as JSON, once it exited with code 0; throws with its stderr otherwise. */
export async function resultOf<T>(child: TsChild): Promise<T> {
  const exit = await child.exited;
  const last = child.lines.at(-1) ?? '';
  if (exit.code !== 0) throw new Error(`child exited with ${exit.code ?? exit.signal}: ${exit.stderr}`);
  return JSON.parse(last) as T;
}

/**
 * Waits until every child printed "ready", then releases them together with "go <epoch ms>" (a moment shortly
 * after, that children may use as a common start); returns their results.
 */
export async function runTogether<T>(children: TsChild[]): Promise<T[]> {
  try {
    await Promise.all(children.map((c) => c.waitFor((line) => line === 'ready')));
  } finally {
    const at = Date.now() + 100;
    for (const c of children) c.send(`go ${at}`);
  }
  return Promise.all(children.map((c) => resultOf<T>(c)));
}

/**
 * For child scripts: prints "ready" and resolves on the next line of stdin with the start moment it carries (see
 * {@link runTogether}; now when it carries none). Stdin is then let go of, so that it does not keep the child
 * alive once its work is done.
 */
export function readyThenWait(): Promise<number> {
  process.stdout.write('ready\n');
  const rl = createInterface({ input: process.stdin });
  return new Promise((resolve) => {
    rl.once('line', (line) => {
      rl.close();
      process.stdin.destroy();
      const at = Number(line.split(' ')[1]);
      resolve(Number.isFinite(at) ? at : Date.now());
    });
  });
}
