import { expect, inject } from 'vitest';
import type { apiAs } from '../support/api';

/** What the workflow test files share: starting a job, waiting for it, reading what it stored. */
export type Api = Awaited<ReturnType<typeof apiAs>>;

export interface Job {
  id: string;
  org_id: string;
  created_at: string;
  completed_at: string | null;
  spec: { db_arn: string; db_engine: string; db_name: string; account_arn: string; db_tags: { key: string; value: string }[] };
  status: {
    phase: 'running' | 'failed' | 'completed';
    message: string;
    result: { user_role: string; status: string; message: string; completed_at: string | null; credentials_info: { secrets_manager_provider: string; secret_id: string; secret_keys: string[] } }[];
  };
}

export interface Execution {
  name: string;
  status: string;
  input: string;
  output?: string;
  /** Its history, as GetExecutionHistory answers it (HistoryEvent). */
  events: { type: string; stateEnteredEventDetails?: { name: string } }[];
}

/** The local API's origin, where the local controls (`/_local/...`) live. */
export const localOrigin = () => inject('stack').api_url.replace(/\/api$/, '');

/** The local workflow executions, once every one started so far has ended. */
export async function executions(): Promise<Execution[]> {
  const answer = await fetch(`${localOrigin()}/_local/executions`);
  return ((await answer.json()) as { executions: Execution[] }).executions;
}

/** Starts a job (202) and answers its id. */
export async function startJob(api: Api, body: Record<string, unknown>): Promise<string> {
  const answer = await api('POST', '/dbroles/jobs', { body });
  expect(answer.status, JSON.stringify(answer.body)).toBe(202);
  return (answer.body as { job_id: string }).job_id;
}

export async function waitForJob(api: Api, id: string, timeoutMs = 30_000): Promise<Job> {
  for (let attempt = 0; attempt < timeoutMs / 100; attempt++) {
    const job = (await api('GET', `/dbroles/jobs/${id}`)).body as Job;
    if (job.status.phase !== 'running') return job;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`job ${id} still running`);
}

interface PublishedEvent {
  'detail-type': string;
  detail: { event_payload: Job };
}

/** The finished-job event of a job, as the local bus received it: it is published after the job shows as ended, so it is waited for. */
export async function waitForFinishedEvent(id: string, timeoutMs = 30_000): Promise<PublishedEvent | undefined> {
  for (let attempt = 0; attempt < timeoutMs / 100; attempt++) {
    const { published } = (await (await fetch(`${localOrigin()}/_local/events`)).json()) as { published: PublishedEvent[] };
    const finished = published.find((event) => event['detail-type'] === 'dbroles.job.finished' && event.detail.event_payload.id === id);
    if (finished) return finished;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return undefined;
}

/** A stored role's secret values, through the audited credentials endpoint. */
export async function revealSecret(api: Api, resource: string, role: string): Promise<Record<string, string>> {
  const answer = await api('GET', `/resources/${resource}/roles/${role}/credentials`);
  expect(answer.status, `${resource}/${role}`).toBe(200);
  return (answer.body as { secret: Record<string, string> }).secret;
}

/** An RDS tag change as EventBridge delivers it, posted to the local bus; answers what each rule's target returned. */
export async function sendTagChange(id: string, arn: string, value = 'true'): Promise<{ delivered: { rule: string; result?: { job_id?: string; skipped?: string } }[] }> {
  const event = {
    version: '0',
    id,
    'detail-type': 'Tag Change on Resource',
    source: 'aws.tag',
    account: '000000000000',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [arn],
    detail: { 'changed-tag-keys': ['hoop.dev/provision-roles'], service: 'rds', 'resource-type': 'cluster', version: 3, tags: { 'hoop.dev/provision-roles': value, env: 'local' } },
  };
  const answer = await fetch(`${localOrigin()}/_local/events`, { method: 'POST', body: JSON.stringify(event) });
  return (await answer.json()) as { delivered: { rule: string; result?: { job_id?: string; skipped?: string } }[] };
}
