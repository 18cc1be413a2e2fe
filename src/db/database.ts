/**
 * One small database interface with two implementations: embedded PGlite (default, a data
 * directory on disk or in memory) and a real PostgreSQL pool (when DATABASE_URL is set).
 * Both return int8 as bigint, numeric as string and date as 'YYYY-MM-DD' string, so that money
 * never passes through a JavaScript number.
 */
import pg from 'pg';

export type Row = Record<string, unknown>;

export interface Queryable {
  query<T = Row>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Executes parameterless SQL that may hold several statements (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs fn in one transaction; retries serialization failures and deadlocks. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const OID_INT8 = 20;
const OID_NUMERIC = 1700;
const OID_DATE = 1082;

const parsers = {
  [OID_INT8]: (v: string) => BigInt(v),
  [OID_NUMERIC]: (v: string) => v,
  [OID_DATE]: (v: string) => v,
};

const RETRYABLE = new Set(['40001', '40P01']);

async function withRetry<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (!code || !RETRYABLE.has(code) || attempt >= 8) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
    }
  }
}

class PostgresDatabase implements Database {
  readonly kind = 'postgres' as const;
  constructor(private readonly pool: pg.Pool) {}

  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const res = await this.pool.query(sql, params as unknown[]);
    return res.rows as T[];
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return withRetry(async () => {
      const client = await this.pool.connect();
      const tx: Queryable = {
        query: async <R>(sql: string, params: unknown[] = []) =>
          (await client.query(sql, params as unknown[])).rows as R[],
        exec: async (sql: string) => {
          await client.query(sql);
        },
      };
      try {
        await client.query('BEGIN');
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

export async function openPostgres(url: string, poolSize = 10): Promise<Database> {
  const types = {
    getTypeParser: ((oid: number, format?: string) => {
      const p = (parsers as Record<number, (v: string) => unknown>)[oid];
      return p ?? pg.types.getTypeParser(oid, format as 'text');
    }) as typeof pg.types.getTypeParser,
  };
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types });
  pool.on('error', () => undefined); // idle client errors are surfaced on the next query
  const db = new PostgresDatabase(pool);
  await db.query('SELECT 1');
  return db;
}

// PGlite is imported lazily so that a PostgreSQL deployment never loads the WASM build.
type PGliteType = import('@electric-sql/pglite').PGlite;

class PGliteDatabase implements Database {
  readonly kind = 'pglite' as const;
  constructor(readonly pglite: PGliteType) {}

  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const res = await this.pglite.query<T>(sql, params);
    return res.rows;
  }

  async exec(sql: string): Promise<void> {
    await this.pglite.exec(sql);
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    // PGlite is a single session and serialises transactions itself; nothing to retry.
    return this.pglite.transaction(async (t) =>
      fn({
        query: async <R>(sql: string, params: unknown[] = []) => (await t.query<R>(sql, params)).rows,
        exec: async (sql: string) => {
          await t.exec(sql);
        },
      }),
    );
  }

  async close(): Promise<void> {
    await this.pglite.close();
  }
}

export async function openPGlite(dataDir?: string, loadDataDir?: Blob | File): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const pglite = await PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    ...(loadDataDir ? { loadDataDir } : {}),
    parsers,
  });
  return new PGliteDatabase(pglite);
}
