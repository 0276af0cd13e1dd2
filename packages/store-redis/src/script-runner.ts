/**
 * Runs the Lua scripts of scripts.ts: EVALSHA with EVAL on NOSCRIPT, and large message texts staged beside the
 * script in the same pipeline instead of copied through Lua.
 */
import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { type SessionKeys, stagingKey } from './keys.js';

export type Reply = (string | number | null)[];

/** Message texts longer than this (UTF-16 units) are staged instead of passed to Lua (see scripts.ts). */
const STAGE_ABOVE = 16 * 1024;
/** A staged payload outlives an interrupted write by at most this long. */
const STAGE_TTL_MS = 60_000;

export class ScriptRunner {
  readonly #scripts = new Map<string, string>();

  constructor(
    private readonly client: Redis | Cluster,
    private readonly prefix: string,
    /** Resolves when the client may take commands (the store connects lazily). */
    private readonly connect: () => Promise<void>,
  ) {}

  /** EVALSHA, loading the script on NOSCRIPT (a restarted or new server, a failover, another Cluster node). */
  async eval(script: string, keys: string[], args: (string | number)[]): Promise<Reply | null> {
    await this.connect();
    const sha = this.#sha(script);
    try {
      return (await this.client.evalsha(sha, keys.length, ...keys, ...args)) as Reply | null;
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return (await this.client.eval(script, keys.length, ...keys, ...args)) as Reply | null;
    }
  }

  #sha(script: string): string {
    let sha = this.#scripts.get(script);
    if (sha === undefined) {
      sha = createHash('sha1').update(script).digest('hex');
      this.#scripts.set(script, sha);
    }
    return sha;
  }

  /**
   * Runs a write script whose last argument is the payload text: inline when small, else staged in a list of its
   * own that the script moves in place (one pipeline, one round trip; see scripts.ts).
   */
  async write(
    script: string,
    id: string,
    keys: SessionKeys,
    indexKeys: string[],
    args: (string | number)[],
    text: string,
  ): Promise<Reply> {
    if (text.length <= STAGE_ABOVE) {
      const payload = text === '' ? ['none'] : ['inline', text];
      // KEYS[3] is only touched for a staged payload: the head key stands in, keeping the session's keys in one slot.
      const scriptKeys = [keys.head, keys.messages, keys.head, ...indexKeys];
      return (await this.eval(script, scriptKeys, [...args, ...payload])) as Reply;
    }
    await this.connect();
    const staged = stagingKey(this.prefix, id);
    const scriptKeys = [keys.head, keys.messages, staged, ...indexKeys];
    const argv = [...args, 'staged'];
    const results = await this.client
      .pipeline()
      .rpush(staged, text)
      .pexpire(staged, STAGE_TTL_MS)
      .evalsha(this.#sha(script), scriptKeys.length, ...scriptKeys, ...argv)
      .exec();
    const [pushed, , ran] = results ?? [];
    let reply = ran?.[1] as Reply | undefined;
    if (ran?.[0]) {
      if (!isNoScript(ran[0])) throw ran[0];
      reply = (await this.client.eval(script, scriptKeys.length, ...scriptKeys, ...argv)) as Reply;
    }
    // The script wrote nothing without its payload: report why the payload did not arrive.
    if (reply?.[0] === 'lost') throw pushed?.[0] ?? new Error('the staged messages vanished before the write');
    return reply as Reply;
  }
}

function isNoScript(error: unknown): boolean {
  return String((error as Error)?.message).includes('NOSCRIPT');
}
