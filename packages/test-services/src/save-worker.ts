/** The child of saveInChildProcess: `save-worker.ts <adapter module> <store url>`, the document on stdin. */
import { parseStoreUrl, type SessionData, type SessionStoreModule } from '@agent-sessions/core/adapter';

const [adapter, url] = process.argv.slice(2) as [string, string];
const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const mod = (await import(adapter)) as SessionStoreModule;
const given = process.env.AGENT_SESSIONS_TEST_ENCRYPTION;
const encryption =
  given === undefined
    ? undefined
    : (() => {
        const parsed = JSON.parse(given) as { keys: { id: string; key: string }[]; clearNames?: boolean };
        return { ...parsed, keys: parsed.keys.map((k) => ({ id: k.id, key: Buffer.from(k.key, 'base64') })) };
      })();
const store = await mod.openFromUrl(parseStoreUrl(url), encryption === undefined ? {} : { encryption });
try {
  const { revision } = await store.save(JSON.parse(Buffer.concat(chunks).toString('utf8')) as SessionData);
  process.stdout.write(String(revision));
} finally {
  await store.close();
}
