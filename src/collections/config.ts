/** Loading the collections configuration: policies with their levels, the business calendar, robots. */
import type { Queryable } from '../db/database';
import { type BusinessCalendar, buildCalendar, type CalendarDayKind } from '../domain/dunning/calendar';
import type { Channel, DunningLevel, DunningPolicy, Escalation, TaskRole, TemplateKey } from '../domain/dunning/policy';
import type { SendWindow } from '../domain/dunning/window';

export interface StoredPolicy extends DunningPolicy {
  window: SendWindow;
  businessDaysOnly: boolean;
  updatedAt: string;
}

interface PolicyRow {
  id: string;
  code: string;
  name: string;
  priority: number;
  active: boolean;
  match_regions: string[] | null;
  match_industries: string[] | null;
  match_risk_grades: string[] | null;
  match_min_open_minor: bigint | null;
  match_currency: string;
  cap_max_contacts: number;
  cap_window_days: number;
  cap_min_gap_days: number;
  send_start_minute: number;
  send_end_minute: number;
  business_days_only: boolean;
  updated_at: Date | string;
}

interface LevelRow {
  policy_id: string;
  code: string;
  offset_days: number;
  name_zh: string;
  name_en: string;
  channels: string[];
  template: string;
  task_role: string | null;
  escalation: string | null;
}

export async function loadPolicies(tx: Queryable, onlyId?: string): Promise<StoredPolicy[]> {
  const rows = await tx.query<PolicyRow>(
    `SELECT * FROM dunning_policies WHERE ($1::uuid IS NULL OR id = $1) ORDER BY priority, code`,
    [onlyId ?? null],
  );
  const levels = await tx.query<LevelRow>(
    'SELECT * FROM dunning_levels WHERE ($1::uuid IS NULL OR policy_id = $1) ORDER BY offset_days',
    [onlyId ?? null],
  );
  return rows.map((r) => ({
    id: r.id,
    code: r.code,
    name: r.name,
    priority: r.priority,
    active: r.active,
    match: {
      regions: r.match_regions,
      industries: r.match_industries,
      riskGrades: r.match_risk_grades,
      minOpenMinor: r.match_min_open_minor,
      currency: r.match_currency,
    },
    cap: { maxContacts: r.cap_max_contacts, windowDays: r.cap_window_days, minGapDays: r.cap_min_gap_days },
    window: { startMinute: r.send_start_minute, endMinute: r.send_end_minute },
    businessDaysOnly: r.business_days_only,
    updatedAt: new Date(r.updated_at).toISOString(),
    levels: levels
      .filter((l) => l.policy_id === r.id)
      .map(
        (l): DunningLevel => ({
          code: l.code,
          offsetDays: l.offset_days,
          nameZh: l.name_zh,
          nameEn: l.name_en,
          channels: l.channels as Channel[],
          template: l.template as TemplateKey,
          taskRole: l.task_role as TaskRole | null,
          escalation: l.escalation as Escalation | null,
        }),
      ),
  }));
}

export async function loadCalendar(tx: Queryable): Promise<BusinessCalendar> {
  const rows = await tx.query<{ day: string; kind: CalendarDayKind; name: string }>('SELECT day, kind, name FROM business_calendar');
  return buildCalendar(rows.map((r) => ({ date: r.day, kind: r.kind, name: r.name })));
}

export interface RobotTarget {
  id: string;
  kind: 'wecom' | 'dingtalk';
  name: string;
  regions: string[] | null;
}

export async function loadRobots(tx: Queryable): Promise<RobotTarget[]> {
  return tx.query<RobotTarget>('SELECT id, kind, name, regions FROM collection_robots WHERE active ORDER BY created_at, id');
}
