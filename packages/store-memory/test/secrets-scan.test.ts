/** The memory store keeps no api key in what it stores. */
import { describeSecretScan } from '@agent-sessions/test-services/reliability';
import { memoryHooks } from './support/reliability.js';

describeSecretScan('memory', memoryHooks);
