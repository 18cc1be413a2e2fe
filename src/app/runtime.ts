/**
 * Opening the database the way the environment says: DATABASE_URL → PostgreSQL; otherwise an
 * embedded PGlite in SHOUFU_DATA_DIR (default ./data), guarded by a lock file so that a second
 * process can never write beside the first (PGlite itself has no such guard).
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { type Database, openPGlite, openPostgres } from '../db/database';
import { migrate } from '../db/migrate';

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: { pid: number; host: string; command: string },
  ) {
    super(
      `数据目录 ${dataDir} 正被另一个 Shoufu 进程使用 (pid ${holder.pid}, ${holder.command})。\n` +
        `The data directory ${dataDir} is in use by another Shoufu process (pid ${holder.pid}, ${holder.command}).\n` +
        'Stop that process first, use the running server through its API, or point DATABASE_URL at a PostgreSQL server ' +
        'so that several processes can share one database.',
    );
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the data directory's lock or throws DataDirLockedError. Returns the release function. */
export function lockDataDir(dataDir: string, command: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const lockPath = join(dataDir, 'shoufu.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), command, at: new Date().toISOString() }));
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        try {
          const held = JSON.parse(readFileSync(lockPath, 'utf8')) as { pid: number };
          if (held.pid === process.pid) unlinkSync(lockPath);
        } catch {
          // already gone
        }
      };
      process.once('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder = { pid: 0, host: '', command: 'unknown' };
      try {
        holder = JSON.parse(readFileSync(lockPath, 'utf8'));
      } catch {
        // a lock being written this instant: treat as held
        holder.pid = -1;
      }
      const sameHost = holder.host === hostname();
      if (holder.pid > 0 && sameHost && !pidAlive(holder.pid)) {
        unlinkSync(lockPath); // stale lock of a process that died without cleaning up
        continue;
      }
      throw new DataDirLockedError(dataDir, holder);
    }
  }
  throw new Error(`could not take the lock ${lockPath}`);
}

export interface OpenedDatabase {
  db: Database;
  description: string;
  close(): Promise<void>;
}

export function dataDirFromEnv(): string {
  return resolve(process.env.SHOUFU_DATA_DIR ?? 'data');
}

export async function openFromEnv(command: string, opts: { migrate?: boolean } = {}): Promise<OpenedDatabase> {
  const url = process.env.DATABASE_URL;
  let db: Database;
  let description: string;
  let release: () => void = () => {};
  if (url) {
    db = await openPostgres(url);
    description = `PostgreSQL ${url.replace(/\/\/[^@/]*@/, '//***@')}`;
  } else {
    const dir = dataDirFromEnv();
    release = lockDataDir(dir, command);
    const pgDir = join(dir, 'pglite');
    const fresh = !existsSync(pgDir);
    try {
      db = await openPGlite(pgDir);
    } catch (err) {
      release();
      throw err;
    }
    description = `PGlite ${pgDir}${fresh ? ' (new)' : ''}`;
  }
  if (opts.migrate ?? true) await migrate(db);
  return {
    db,
    description,
    async close() {
      await db.close();
      release();
    },
  };
}
