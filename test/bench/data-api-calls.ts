import type { StackInfo } from '../../infra/local/stack';

/** ExecuteStatement calls the local Data API has answered with the cluster's master secret so far. */
export async function dataApiCalls(stack: StackInfo): Promise<number> {
  const answer = await fetch(`http://127.0.0.1:${stack.ports.dataApi}/_local/calls?secret_arn=${encodeURIComponent(stack.secret_arn)}`);
  return ((await answer.json()) as { execute_calls: number }).execute_calls;
}
