/** The file store keeps no api key in any file of its folder. */
import { describeSecretScan } from '@agent-sessions/test-services/reliability';
import { fileHooks } from './support/reliability.js';

describeSecretScan('file', fileHooks);
