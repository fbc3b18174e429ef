import type { JobRole } from './model';

/**
 * How a DB role job provisions one engine's cluster (PostgreSQL or MySQL), through the Data API.
 * The workflow fans out over the engine's targets (PostgreSQL: databases; MySQL: schemas), so each
 * method is a bounded amount of work with a bounded number of Data API calls.
 */
export interface JobEngine {
  /** The names of the targets a job provisions, read in at most one call. */
  listTargets(): Promise<string[]>;
  /** Refuses, before anything changes, a target whose grants cannot be made: reads only, throws with the reason. */
  inspect(target: string): Promise<void>;
  /**
   * Creates the job role's login, or resets its password when it exists. The engine alone turns the
   * password into what the database receives (a SCRAM verifier, a MySQL hash): never the plaintext.
   */
  login(jobRole: JobRole, password: string): Promise<void>;
  /** Grants these job roles their privileges on one target; answers how many statements ran. */
  grant(target: string, jobRoles: readonly JobRole[]): Promise<{ statements: number }>;
  /** The database named in the stored credentials, given the targets. */
  credentialsDatabase(targets: readonly string[]): string;
}
