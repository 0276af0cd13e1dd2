export { saveInChildProcess } from './child-save.js';
export { type FaultProxy, startFaultProxy } from './fault-proxy.js';
export { countOpenFds, type FdCount } from './fds.js';
export { untilHealthy } from './health.js';
export { uniqueNamespace } from './namespace.js';
export { getPostgres, type PostgresService } from './postgres.js';
export { getRedis, type RedisService } from './redis.js';
export { type ServiceSource, TestServiceUnavailableError } from './resolve.js';
export { getS3, type S3Service } from './s3.js';
