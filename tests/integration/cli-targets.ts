/**
 * Where a CLI process test points `shoufu`: a fresh embedded data directory, or a fresh database
 * on the test PostgreSQL server (dropped by cleanup()).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Database, openPGlite, openPostgres } from '../../src/db/database';
import { TEST_DATABASE_URL } from './harness';

export interface CliTarget {
  name: string;
  /** Environment for the child process: SHOUFU_DATA_DIR or DATABASE_URL. */
  env: Record<string, string>;
  /** Opens the same database from the test process (after the CLI has exited, for PGlite). */
  open(): Promise<Database>;
  cleanup(): Promise<void>;
}

export function pgliteTarget(prefix: string): CliTarget {
  const dir = mkdtempSync(join(tmpdir(), `shoufu-${prefix}-`));
  return {
    name: 'pglite',
    env: { SHOUFU_DATA_DIR: dir, DATABASE_URL: '' },
    open: () => openPGlite(join(dir, 'pglite')),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

export async function postgresTarget(prefix: string): Promise<CliTarget> {
  const name = `shoufu_${prefix}_${Date.now().toString(36)}`;
  const adminUrl = new URL(TEST_DATABASE_URL);
  adminUrl.pathname = '/postgres';
  const admin = await openPostgres(adminUrl.toString(), 1);
  await admin.exec(`CREATE DATABASE ${name}`);
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    name: 'postgres',
    env: { DATABASE_URL: url.toString() },
    open: () => openPostgres(url.toString(), 2),
    cleanup: async () => {
      await admin.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.close();
    },
  };
}
