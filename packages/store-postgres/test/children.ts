/**
 * Child processes for cross-process tests. Each child prints "ready" once set up and waits for "go" on stdin, so
 * the parent releases all of them at the same moment (no sleeps), then prints one JSON line with its results.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface Child {
  ready: Promise<void>;
  go(): void;
  /** The JSON the child printed last, once it exits with code 0; rejects with its stderr otherwise. */
  result: Promise<unknown>;
  process: ChildProcess;
}

export function spawnChild(script: string, args: string[], timeoutMs = 60_000): Child {
  const child = spawn(
    process.execPath,
    ['--conditions=@agent-sessions/source', '--import', 'tsx', join('test', 'children', script), ...args],
    { cwd: packageDir, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (stdout.includes('ready\n')) onReady();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const result = new Promise<unknown>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      onReady();
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code === 0) {
        try {
          resolve(JSON.parse(last));
        } catch {
          reject(new Error(`child ${script} printed no JSON result: ${stdout}\n${stderr}`));
        }
      } else reject(new Error(`child ${script} exited with ${code ?? signal}: ${stderr || stdout}`));
    });
  });
  return { ready, go: () => child.stdin.end('go\n'), result, process: child };
}

/** Starts every child, waits until all are ready, releases them together and returns their results. */
export async function runTogether(children: Child[]): Promise<unknown[]> {
  try {
    await Promise.all(children.map((c) => c.ready));
  } finally {
    for (const c of children) c.go();
  }
  return Promise.all(children.map((c) => c.result));
}
