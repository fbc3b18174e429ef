export { type DatabaseServer, type LocalDataApi, type LocalDataApiOptions, type PostgresServer, startLocalDataApi } from './server';
