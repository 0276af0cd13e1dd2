import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerStatus } from '../src/docker.js';
import { closedPort } from './helpers.js';

/** A unix-socket server that answers any request with the given HTTP status line. */
async function fakeEngine(path: string, statusLine: string): Promise<Server> {
  const server = createServer((socket) => {
    socket.once('data', () => socket.end(`${statusLine}\r\nContent-Length: 2\r\n\r\nOK`));
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return server;
}

describe('dockerStatus', () => {
  let dir: string;
  let good: Server;
  let bad: Server;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'test-services-docker-'));
    good = await fakeEngine(join(dir, 'good.sock'), 'HTTP/1.1 200 OK');
    bad = await fakeEngine(join(dir, 'bad.sock'), 'HTTP/1.1 500 Internal Server Error');
  });

  afterAll(async () => {
    await new Promise((resolve) => good.close(resolve));
    await new Promise((resolve) => bad.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('is reachable when DOCKER_HOST answers GET /_ping with 200', async () => {
    const host = `unix://${join(dir, 'good.sock')}`;
    await expect(dockerStatus({ DOCKER_HOST: host }, { home: dir })).resolves.toEqual({ reachable: true, host });
  });

  it('is not reachable when the engine answers with an error', async () => {
    const status = await dockerStatus({ DOCKER_HOST: `unix://${join(dir, 'bad.sock')}` }, { home: dir });
    expect(status.reachable).toBe(false);
    expect(status.reachable === false && status.reason).toMatch(/500 Internal Server Error/);
  });

  it('answers in milliseconds when the socket does not exist', async () => {
    const started = performance.now();
    const status = await dockerStatus({ DOCKER_HOST: `unix://${join(dir, 'missing.sock')}` }, { home: dir });
    expect(performance.now() - started).toBeLessThan(200);
    expect(status.reachable).toBe(false);
    expect(status.reachable === false && status.reason).toMatch(
      /DOCKER_HOST=unix:.*missing\.sock did not answer: connect ENOENT/,
    );
  });

  it('answers quickly when a tcp DOCKER_HOST refuses connections', async () => {
    const port = await closedPort();
    const started = performance.now();
    const status = await dockerStatus({ DOCKER_HOST: `tcp://127.0.0.1:${port}` }, { home: dir });
    expect(performance.now() - started).toBeLessThan(500);
    expect(status.reachable === false && status.reason).toMatch(/ECONNREFUSED/);
  });

  it('honours docker.host in ~/.testcontainers.properties when DOCKER_HOST is not set', async () => {
    const home = await mkdtemp(join(tmpdir(), 'test-services-home-'));
    try {
      const host = `unix://${join(dir, 'good.sock')}`;
      await writeFile(join(home, '.testcontainers.properties'), `# comment\ndocker.host=${host}\n`);
      await expect(dockerStatus({}, { home })).resolves.toEqual({ reachable: true, host });
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('finds a rootless socket under XDG_RUNTIME_DIR', async () => {
    const runtime = await mkdtemp(join(tmpdir(), 'test-services-xdg-'));
    const server = await fakeEngine(join(runtime, 'docker.sock'), 'HTTP/1.1 200 OK');
    try {
      const status = await dockerStatus({ XDG_RUNTIME_DIR: runtime }, { home: runtime });
      expect(status.reachable).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await rm(runtime, { recursive: true, force: true });
    }
  });
});
