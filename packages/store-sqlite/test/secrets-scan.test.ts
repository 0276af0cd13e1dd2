/** The sqlite store keeps no api key in the database file or its WAL. */
import { describeSecretScan } from '@agent-sessions/test-services/reliability';
import { sqliteHooks } from './support/reliability.js';

describeSecretScan('sqlite', sqliteHooks);
