/** Starting the viewer for tests: in this process over a store the test holds, or as the real `serve` command. */
import { type ChildProcess, spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import type { SessionStore } from '@agent-sessions/core';
import { startViewer, type Viewer } from '../src/serve/server.js';
import { PKG_DIR, TSX_LOADER } from './helpers.js';

export async function startTestViewer(store: SessionStore, options: { allowDelete?: boolean } = {}): Promise<Viewer> {
  return startViewer({
    store,
    host: '127.0.0.1',
    port: 0,
    allowDelete: options.allowDelete ?? false,
    storeLabel: `${store.backendName}:test`,
    version: '0.0.0-test',
  });
}

export interface JsonAnswer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** A request to the viewer and its JSON answer (any status). */
export async function requestJson<T = unknown>(url: string, init: RequestInit = {}): Promise<JsonAnswer<T>> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text) as T };
}

export interface ServeProcess {
  /** The URL the command printed. */
  url: string;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with stderr once it matches (it is another pipe: it may arrive after the URL on stdout). */
  stderrMatching: (pattern: RegExp) => Promise<string>;
  /** SIGTERM, then the exit code. */
  stop: () => Promise<number | null>;
}

/**
 * Starts `agent-sessions serve <args>` and waits for the line with its URL. Rejects with what the command printed
 * when it exits first (a refused option, a port in use).
 */
export function startServe(args: string[], env: Record<string, string> = {}): Promise<ServeProcess> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, AGENT_SESSIONS_PROGRESS: 'off', ...env };
  delete childEnv.SESSION_STORE_URL;
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=@agent-sessions/source', '--import', TSX_LOADER, join(PKG_DIR, 'src/bin.ts'), 'serve', ...args],
    { cwd: PKG_DIR, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve printed no URL in time; stderr: ${err}`));
    }, 45_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const url = /(http:\/\/\S+\/) /.exec(out)?.[1];
      if (url === undefined) return;
      clearTimeout(timer);
      resolve({
        url,
        stdout: () => out,
        stderr: () => err,
        stderrMatching: async (pattern) => {
          for (let waited = 0; !pattern.test(err) && waited < 10_000; waited += 20)
            await new Promise((r) => setTimeout(r, 20));
          return err;
        },
        stop: () => {
          child.kill('SIGTERM');
          return exited;
        },
      });
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`serve exited with ${code}: ${err}`), { code, stderr: err, stdout: out }));
    });
  });
}

/** A request with headers that fetch will not send as given (Host, Origin): status and JSON body. */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      { method: options.method ?? 'GET', headers: options.headers ?? {} },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }),
        );
      },
    );
    request.on('error', reject);
    request.end();
  });
}
