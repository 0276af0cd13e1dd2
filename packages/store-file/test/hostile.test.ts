/** Hostile ids, documents and corrupt files against the file store. */
import {
  describeCorruptRecords,
  describeHostileDocuments,
  describeHostileIds,
} from '@agent-sessions/test-services/reliability';
import { fileHooks } from './support/reliability.js';

describeHostileIds('file', fileHooks);
describeHostileDocuments('file', fileHooks);
describeCorruptRecords('file', fileHooks);
