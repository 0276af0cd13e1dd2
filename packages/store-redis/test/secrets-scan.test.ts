/** The redis store keeps no api key in any key under its prefix. */
import { describeSecretScan } from '@agent-sessions/test-services/reliability';
import { redisHooks } from './support/reliability.js';

describeSecretScan('redis', redisHooks);
