// Child process (run as an unprivileged user): opens the store and runs healthCheck, printing the outcome.
import { SqliteSessionStore } from '../../src/index.js';

const [path] = process.argv.slice(2);
try {
  const store = new SqliteSessionStore({ path: path as string });
  try {
    await store.healthCheck();
    process.stdout.write('health:ok');
  } catch (error) {
    process.stdout.write(`health:${(error as Error).name}:${(error as Error).message}`);
  }
  await store.close();
} catch (error) {
  process.stdout.write(`open:${(error as Error).name}:${(error as Error).message}`);
}
