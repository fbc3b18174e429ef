/** An audit session: one record per plan, apply or reveal of credentials. Never holds a password. */
export const SESSION_KINDS = ['plan', 'apply', 'reveal'] as const;
export type SessionKind = (typeof SESSION_KINDS)[number];

export interface SessionRecord {
  id: string;
  kind: SessionKind;
  resource_name: string;
  role: string;
  user: { sub: string; email: string | null };
  created_at: string;
  ended_at: string | null;
  status: string;
  input: unknown;
  output: unknown;
  plan_sid?: string;
}
