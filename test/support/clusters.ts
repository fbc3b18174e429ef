import { inject } from 'vitest';
import type { LocalClusterInfo } from '../../infra/local/stack';

export type LocalCluster = LocalClusterInfo;

/**
 * A cluster of its own for a test file: another PostgreSQL server of the local stack, with its master
 * secret and its RDS description (`POST /_local/clusters`). A cluster belongs to the first org that
 * runs a job on it and takes one job at a time, so files that run jobs at the same time each need one.
 */
export async function newLocalCluster(label: string): Promise<LocalCluster> {
  const origin = inject('stack').api_url.replace(/\/api$/, '');
  const answer = await fetch(`${origin}/_local/clusters`, { method: 'POST', body: JSON.stringify({ label }) });
  const body = (await answer.json()) as unknown;
  if (answer.status !== 201) throw new Error(`POST /_local/clusters: ${answer.status} ${JSON.stringify(body)}`);
  return body as LocalCluster;
}
