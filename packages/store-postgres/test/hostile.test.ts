/** Hostile ids, documents and corrupt rows against the postgres store. */
import {
  describeCorruptRecords,
  describeHostileDocuments,
  describeHostileIds,
} from '@agent-sessions/test-services/reliability';
import { postgresHooks } from './support/reliability.js';

describeHostileIds('postgres', postgresHooks);
describeHostileDocuments('postgres', postgresHooks);
describeCorruptRecords('postgres', postgresHooks);
