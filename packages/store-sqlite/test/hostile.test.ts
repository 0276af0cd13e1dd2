/** Hostile ids, documents and corrupt rows against the sqlite store. */
import {
  describeCorruptRecords,
  describeHostileDocuments,
  describeHostileIds,
} from '@agent-sessions/test-services/reliability';
import { sqliteHooks } from './support/reliability.js';

describeHostileIds('sqlite', sqliteHooks);
describeHostileDocuments('sqlite', sqliteHooks);
describeCorruptRecords('sqlite', sqliteHooks);
