import { describe, expect, it } from 'vitest';
import {
  type DockerStatus,
  type ProbeResult,
  resolveService,
  type ServiceHelp,
  type ServiceProbes,
  type ServiceSource,
  TestServiceUnavailableError,
} from '../src/resolve.js';

interface Fake {
  source: ServiceSource;
}

const help: ServiceHelp = {
  service: 'Widget',
  envVars: 'WIDGET_URL',
  envExample: 'WIDGET_URL=widget://127.0.0.1:1',
  local: 'Widget on 127.0.0.1:1',
  localStart: '`widgetd`',
  image: 'widget:1',
  inProcess: 'in-process widget',
};

interface Setup {
  env?: () => Promise<Fake | undefined>;
  local?: () => Promise<ProbeResult<Fake>>;
  docker?: DockerStatus;
  container?: () => Promise<Fake>;
  inProcess?: (() => Promise<Fake>) | null;
}

/** Fake probes that record which ones were called, in order. */
function fakes(setup: Setup): { probes: ServiceProbes<Fake>; calls: string[] } {
  const calls: string[] = [];
  const probes: ServiceProbes<Fake> = {
    env: async () => {
      calls.push('env');
      return setup.env ? setup.env() : undefined;
    },
    local: async () => {
      calls.push('local');
      return setup.local ? setup.local() : { ok: false, reason: 'connect ECONNREFUSED 127.0.0.1:1' };
    },
    docker: async () => {
      calls.push('docker');
      return setup.docker ?? { reachable: false, reason: 'no socket at /var/run/docker.sock' };
    },
    container: async () => {
      calls.push('container');
      return setup.container ? setup.container() : { source: 'container' };
    },
  };
  if (setup.inProcess !== null) {
    probes.inProcess = async () => {
      calls.push('inProcess');
      return setup.inProcess ? setup.inProcess() : { source: 's3rver' };
    };
  }
  return { probes, calls };
}

const reachable: DockerStatus = { reachable: true, host: 'unix:///var/run/docker.sock' };
const localUp = async (): Promise<ProbeResult<Fake>> => ({ ok: true, value: { source: 'local' } });

describe('resolveService order', () => {
  it('env wins over everything and nothing else is asked', async () => {
    const { probes, calls } = fakes({ env: async () => ({ source: 'env' }), local: localUp, docker: reachable });
    await expect(resolveService(help, probes)).resolves.toEqual({ source: 'env' });
    expect(calls).toEqual(['env']);
  });

  it('local wins over container, and Docker is not even checked', async () => {
    const { probes, calls } = fakes({ local: localUp, docker: reachable });
    await expect(resolveService(help, probes)).resolves.toEqual({ source: 'local' });
    expect(calls).toEqual(['env', 'local']);
  });

  it('starts a container when nothing is local and Docker is reachable', async () => {
    const { probes, calls } = fakes({ docker: reachable });
    await expect(resolveService(help, probes)).resolves.toEqual({ source: 'container' });
    expect(calls).toEqual(['env', 'local', 'docker', 'container']);
  });

  it('never starts a container when Docker is not reachable', async () => {
    const { probes, calls } = fakes({});
    await expect(resolveService(help, probes)).resolves.toEqual({ source: 's3rver' });
    expect(calls).toEqual(['env', 'local', 'docker', 'inProcess']);
  });

  it('uses the in-process fallback last, with a warning when the container failed', async () => {
    const warnings: string[] = [];
    const original = process.emitWarning;
    process.emitWarning = ((warning: string | Error) => {
      warnings.push(String(warning));
    }) as typeof process.emitWarning;
    try {
      const { probes, calls } = fakes({
        docker: reachable,
        container: async () => {
          throw new Error('pull access denied for widget');
        },
      });
      await expect(resolveService(help, probes)).resolves.toEqual({ source: 's3rver' });
      expect(calls).toEqual(['env', 'local', 'docker', 'container', 'inProcess']);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('pull access denied for widget');
    } finally {
      process.emitWarning = original;
    }
  });

  it('treats a local probe that throws as "not there" and moves on', async () => {
    const { probes } = fakes({
      local: async () => {
        throw new Error('boom');
      },
    });
    await expect(resolveService(help, probes)).resolves.toEqual({ source: 's3rver' });
  });
});

describe('resolveService failures', () => {
  it('rejects with a message that names the env var, each attempt and how to provide the service', async () => {
    const { probes } = fakes({ inProcess: null });
    const error = await resolveService(help, probes).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TestServiceUnavailableError);
    const { message, attempts, service } = error as TestServiceUnavailableError;
    expect(service).toBe('Widget');
    expect(attempts).toEqual([
      'WIDGET_URL: not set',
      'Widget on 127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1',
      'container widget:1: no Docker engine reachable (no socket at /var/run/docker.sock)',
    ]);
    expect(message).toContain('No Widget available for tests');
    expect(message).toContain('set WIDGET_URL (e.g. WIDGET_URL=widget://127.0.0.1:1)');
    expect(message).toContain('start Widget on 127.0.0.1:1');
    expect(message).toContain('install and start Docker');
  });

  it('reports a container failure when there is no fallback', async () => {
    const { probes } = fakes({
      docker: reachable,
      inProcess: null,
      container: async () => {
        throw new Error('no space left on device');
      },
    });
    await expect(resolveService(help, probes)).rejects.toThrow(/container widget:1 .*no space left on device/);
  });

  it('lists the in-process failure too', async () => {
    const { probes } = fakes({
      inProcess: async () => {
        throw new Error('Cannot find module');
      },
    });
    await expect(resolveService(help, probes)).rejects.toThrow(/in-process widget: Cannot find module/);
  });

  it('does not fall back when the env var is set but unusable', async () => {
    const { probes, calls } = fakes({
      env: async () => {
        throw new Error('expected widget://');
      },
      local: localUp,
    });
    await expect(resolveService(help, probes)).rejects.toThrow(/WIDGET_URL is set but unusable: expected widget:\/\//);
    expect(calls).toEqual(['env']);
  });
});
