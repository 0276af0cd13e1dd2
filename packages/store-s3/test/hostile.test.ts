/** Hostile ids, documents and corrupt objects against the s3 store. */
import {
  describeCorruptRecords,
  describeHostileDocuments,
  describeHostileIds,
} from '@agent-sessions/test-services/reliability';
import { s3Hooks } from './support/reliability.js';

describeHostileIds('s3', s3Hooks);
describeHostileDocuments('s3', s3Hooks);
describeCorruptRecords('s3', s3Hooks);
