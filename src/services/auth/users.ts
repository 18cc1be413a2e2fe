/**
 * Users, sessions and API tokens. Runs as the database owner: authentication happens before a
 * user, and so a data scope, is known.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Database, Queryable } from '../../db/database';
import { type Actor, ROLES, type Role, SYSTEM_ACTOR } from '../actor';
import { audit } from '../audit';
import { AppError, invalid } from '../errors';
import { hashPassword, verifyPassword } from './password';

export const SESSION_COOKIE = 'shoufu_session';
const SESSION_TTL_HOURS = 12;
/** Failed logins allowed per username in the window before further attempts are refused. */
export const LOGIN_MAX_FAILURES = 5;
const LOGIN_WINDOW_MINUTES = 15;

interface UserRow {
  id: string;
  username: string;
  display_name: string;
  password_hash: string;
  role: Role;
  scope_entities: string[] | null;
  scope_regions: string[] | null;
  scope_own_customers: boolean;
  locale: string;
  disabled: boolean;
}

export interface PublicUser {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  locale: string;
}

const publicUser = (u: UserRow): PublicUser => ({
  id: u.id,
  username: u.username,
  displayName: u.display_name,
  role: u.role,
  locale: u.locale,
});

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export interface NewUser {
  username: string;
  displayName?: string;
  password: string;
  role: Role;
  /** Entity codes; omitted = all. */
  entities?: string[] | null;
  regions?: string[] | null;
  ownCustomersOnly?: boolean;
}

export async function createUser(db: Database, input: NewUser, by: Actor = SYSTEM_ACTOR): Promise<PublicUser> {
  if (!ROLES.includes(input.role)) throw invalid('invalid_role', `role must be one of ${ROLES.join(', ')}`, 'role');
  if (!/^[A-Za-z0-9_.@-]{2,64}$/.test(input.username)) {
    throw invalid('invalid_username', 'username: 2–64 letters, digits or _ . @ -', 'username');
  }
  if (input.password.length < 8) throw invalid('weak_password', 'password must have at least 8 characters', 'password');
  for (const r of input.regions ?? []) {
    if (r.includes(',')) throw invalid('invalid_region', 'a region name cannot contain a comma', 'regions');
  }
  const hash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    if (input.entities) {
      const found = await tx.query<{ code: string }>('SELECT code FROM entities WHERE code = ANY($1)', [input.entities]);
      const missing = input.entities.filter((c) => !found.some((f) => f.code === c));
      if (missing.length) throw invalid('unknown_entity', `unknown entity ${missing.join(', ')}`, 'entities');
    }
    const existing = await tx.query('SELECT 1 FROM users WHERE username = $1', [input.username]);
    if (existing.length) throw new AppError(409, 'duplicate', `user ${input.username} already exists`, ['username']);
    const [row] = await tx.query<UserRow>(
      `INSERT INTO users (username, display_name, password_hash, role, scope_entities, scope_regions, scope_own_customers)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [
        input.username,
        input.displayName ?? input.username,
        hash,
        input.role,
        input.entities ?? null,
        input.regions ?? null,
        input.ownCustomersOnly ?? false,
      ],
    );
    const user = publicUser(row!);
    await audit(tx, by, 'user.create', 'user', user.id, null, {
      ...user,
      entities: input.entities ?? null,
      regions: input.regions ?? null,
      ownCustomersOnly: input.ownCustomersOnly ?? false,
    });
    return user;
  });
}

async function actorFromRow(tx: Queryable, u: UserRow): Promise<Actor> {
  let scopeEntityIds: string[] | null = null;
  if (u.scope_entities) {
    const rows = await tx.query<{ id: string }>('SELECT id FROM entities WHERE code = ANY($1)', [u.scope_entities]);
    scopeEntityIds = rows.map((r) => r.id);
  }
  return {
    userId: u.id,
    username: u.username,
    role: u.role,
    scopeEntityIds,
    scopeRegions: u.scope_regions,
    ownCustomersOnly: u.scope_own_customers,
  };
}

export async function actorForUsername(db: Database, username: string): Promise<Actor | null> {
  const [u] = await db.query<UserRow>('SELECT * FROM users WHERE username = $1 AND NOT disabled', [username]);
  return u ? actorFromRow(db, u) : null;
}

/** Checks a password, with a per-username failure limit shared by every app instance. */
export async function login(
  db: Database,
  username: string,
  password: string,
): Promise<{ token: string; user: PublicUser; expiresAt: Date }> {
  const [{ failures }] = (await db.query<{ failures: bigint }>(
    `SELECT count(*) AS failures FROM login_attempts
      WHERE username = $1 AND NOT succeeded AND attempted_at > now() - make_interval(mins => $2)`,
    [username, LOGIN_WINDOW_MINUTES],
  )) as [{ failures: bigint }];
  if (failures >= BigInt(LOGIN_MAX_FAILURES)) {
    throw new AppError(429, 'too_many_attempts', `too many failed logins; try again in ${LOGIN_WINDOW_MINUTES} minutes`);
  }
  const [u] = await db.query<UserRow>('SELECT * FROM users WHERE username = $1', [username]);
  const ok = !!u && !u.disabled && (await verifyPassword(password, u.password_hash));
  await db.query('INSERT INTO login_attempts (username, succeeded) VALUES ($1, $2)', [username, ok]);
  if (!ok || !u) throw new AppError(401, 'invalid_credentials', 'wrong username or password', ['username', 'password']);
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + SESSION_TTL_HOURS * 3_600_000);
  await db.query('INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, $3)', [
    sha256(token),
    u.id,
    expiresAt,
  ]);
  return { token, user: publicUser(u), expiresAt };
}

export async function logout(db: Database, token: string): Promise<void> {
  await db.query('DELETE FROM sessions WHERE token_hash = $1', [sha256(token)]);
}

export async function actorForSession(db: Database, token: string): Promise<{ actor: Actor; user: PublicUser } | null> {
  const [u] = await db.query<UserRow>(
    `SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.token_hash = $1 AND s.expires_at > now() AND NOT u.disabled`,
    [sha256(token)],
  );
  return u ? { actor: await actorFromRow(db, u), user: publicUser(u) } : null;
}

export async function createApiToken(db: Database, username: string, name: string): Promise<string> {
  const [u] = await db.query<{ id: string }>('SELECT id FROM users WHERE username = $1', [username]);
  if (!u) throw new AppError(404, 'not_found', `user ${username} not found`, ['username']);
  const token = `sf_${randomBytes(32).toString('base64url')}`;
  await db.query('INSERT INTO api_tokens (user_id, name, token_hash) VALUES ($1, $2, $3)', [u.id, name, sha256(token)]);
  return token;
}

export async function actorForApiToken(db: Database, token: string): Promise<{ actor: Actor; user: PublicUser } | null> {
  const [u] = await db.query<UserRow>(
    `SELECT u.* FROM api_tokens t JOIN users u ON u.id = t.user_id
      WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND NOT u.disabled`,
    [sha256(token)],
  );
  return u ? { actor: await actorFromRow(db, u), user: publicUser(u) } : null;
}

export async function setLocale(db: Database, userId: string, locale: 'zh-CN' | 'en-US'): Promise<void> {
  await db.query('UPDATE users SET locale = $2 WHERE id = $1', [userId, locale]);
}
