/** The s3 store keeps no api key in any object under its prefix (body or metadata). */
import { describeSecretScan } from '@agent-sessions/test-services/reliability';
import { s3Hooks } from './support/reliability.js';

describeSecretScan('s3', s3Hooks);
