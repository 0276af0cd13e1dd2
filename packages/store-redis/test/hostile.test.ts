/** Hostile ids, documents and corrupt keys against the redis store. */
import {
  describeCorruptRecords,
  describeHostileDocuments,
  describeHostileIds,
} from '@agent-sessions/test-services/reliability';
import { redisHooks } from './support/reliability.js';

describeHostileIds('redis', redisHooks);
describeHostileDocuments('redis', redisHooks);
describeCorruptRecords('redis', redisHooks);
