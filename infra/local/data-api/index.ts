export { type LocalDataApi, type LocalDataApiOptions, type PostgresServer, startLocalDataApi } from './server';
