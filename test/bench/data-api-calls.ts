import type { StackInfo } from '../../infra/local/stack';

/** ExecuteStatement calls the local Data API has answered with a master secret (the stack cluster's by default) so far. */
export async function dataApiCalls(stack: StackInfo, secretArn = stack.secret_arn): Promise<number> {
  const answer = await fetch(`http://127.0.0.1:${stack.ports.dataApi}/_local/calls?secret_arn=${encodeURIComponent(secretArn)}`);
  return ((await answer.json()) as { execute_calls: number }).execute_calls;
}
