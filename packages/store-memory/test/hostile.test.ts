/** Hostile ids, documents and corrupt records against the memory store (the reference semantics). */
import {
  describeCorruptRecords,
  describeHostileDocuments,
  describeHostileIds,
} from '@agent-sessions/test-services/reliability';
import { memoryHooks } from './support/reliability.js';

describeHostileIds('memory', memoryHooks);
describeHostileDocuments('memory', memoryHooks);
describeCorruptRecords('memory', memoryHooks);
