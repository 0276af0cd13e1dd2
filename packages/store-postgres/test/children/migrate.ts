/** Opens a store on a schema that may not exist yet and migrates it, at the same moment as its siblings. */
import { PostgresSessionStore } from '../../src/index.js';
import { readyAndWait } from './start.js';

const [url, schema, table] = process.argv.slice(2) as [string, string, string];
const store = new PostgresSessionStore({ connectionString: url, schema, table, poolConfig: { max: 1 } });
await readyAndWait();
try {
  await store.migrate();
  await store.healthCheck();
  console.log(JSON.stringify({ ok: true }));
} catch (error) {
  console.log(JSON.stringify({ ok: false, error: String(error) }));
} finally {
  await store.close();
}
