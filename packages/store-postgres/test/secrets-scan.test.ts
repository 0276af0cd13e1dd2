/** The postgres store keeps no api key in any row of its two tables. */
import { describeSecretScan } from '@agent-sessions/test-services/reliability';
import { postgresHooks } from './support/reliability.js';

describeSecretScan('postgres', postgresHooks);
