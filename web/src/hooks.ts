import type { SorterResult, TablePaginationConfig } from 'antd/es/table/interface';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { type ApiError, buildUrl, isAbortError, type QueryValue, request } from './api';

export interface ApiState<T> {
  data: T | undefined;
  loading: boolean;
  error: ApiError | undefined;
  reload: () => void;
}

/**
 * GETs `path` (with `query`) whenever the resulting URL changes; `null` skips the request.
 * Keeps the previous data while a reload is in flight so tables do not flash empty.
 */
export function useApi<T>(path: string | null, query?: Record<string, QueryValue>): ApiState<T> {
  const url = path === null ? null : buildUrl(path, query);
  const [nonce, setNonce] = useState(0);
  const [state, setState] = useState<{ url: string | null; data: T | undefined; error: ApiError | undefined }>({
    url: null,
    data: undefined,
    error: undefined,
  });
  const [loading, setLoading] = useState(url !== null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: nonce is the explicit reload trigger
  useEffect(() => {
    if (url === null) {
      setLoading(false);
      return;
    }
    const ctl = new AbortController();
    setLoading(true);
    request<T>(url, { signal: ctl.signal })
      .then((data) => {
        setState({ url, data, error: undefined });
        setLoading(false);
      })
      .catch((e: unknown) => {
        if (isAbortError(e)) return;
        setState((s) => ({ url, data: s.url === url ? s.data : undefined, error: e as ApiError }));
        setLoading(false);
      });
    return () => ctl.abort();
  }, [url, nonce]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { data: state.data, loading, error: state.error, reload };
}

// ---------------------------------------------------------------------------------------------
// List state (page, pageSize, sort, order, filters). Top-level list pages keep it in the URL so
// that "back" from a detail page restores the list; embedded lists keep it in component state.
// ---------------------------------------------------------------------------------------------

export type Order = 'asc' | 'desc';

export interface ListState {
  page: number;
  pageSize: number;
  sort: string | undefined;
  order: Order | undefined;
  filter: (key: string) => string;
  update: (patch: Record<string, string | number | undefined>) => void;
  /** Query object for the API call: page, pageSize, sort, order and the given filter keys. */
  query: Record<string, QueryValue>;
}

const DEFAULT_PAGE_SIZE = 20;

function toInt(v: string | null | undefined, fallback: number): number {
  const n = v ? Number.parseInt(v, 10) : Number.NaN;
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

function buildListState(
  get: (key: string) => string | undefined,
  filterKeys: readonly string[],
  update: ListState['update'],
  defaultPageSize: number,
): ListState {
  const page = toInt(get('page'), 1);
  const pageSize = toInt(get('pageSize'), defaultPageSize);
  const sort = get('sort') || undefined;
  const rawOrder = get('order');
  const order: Order | undefined = rawOrder === 'asc' || rawOrder === 'desc' ? rawOrder : undefined;
  const query: Record<string, QueryValue> = { page, pageSize, sort, order };
  for (const k of filterKeys) query[k] = get(k);
  return { page, pageSize, sort, order, filter: (k) => get(k) ?? '', update, query };
}

export function useUrlListState(filterKeys: readonly string[], defaultPageSize = DEFAULT_PAGE_SIZE): ListState {
  const [params, setParams] = useSearchParams();
  const update = useCallback(
    (patch: Record<string, string | number | undefined>) => {
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          for (const [k, v] of Object.entries(patch)) {
            if (v === undefined || v === '') next.delete(k);
            else next.set(k, String(v));
          }
          return next;
        },
        { replace: true },
      );
    },
    [setParams],
  );
  const key = params.toString();
  // biome-ignore lint/correctness/useExhaustiveDependencies: params is captured through its string form
  return useMemo(
    () => buildListState((k) => params.get(k) ?? undefined, filterKeys, update, defaultPageSize),
    [key, update, defaultPageSize, filterKeys],
  );
}

export function useLocalListState(
  filterKeys: readonly string[],
  defaultPageSize = DEFAULT_PAGE_SIZE,
  initial: Record<string, string> = {},
): ListState {
  const [values, setValues] = useState<Record<string, string>>(initial);
  const update = useCallback((patch: Record<string, string | number | undefined>) => {
    setValues((prev) => {
      const next = { ...prev };
      for (const [k, v] of Object.entries(patch)) {
        if (v === undefined || v === '') delete next[k];
        else next[k] = String(v);
      }
      return next;
    });
  }, []);
  return useMemo(
    () => buildListState((k) => values[k], filterKeys, update, defaultPageSize),
    [values, update, defaultPageSize, filterKeys],
  );
}

/** antd Table onChange → list state (page, pageSize, sort, order). */
export function tableChangeHandler<T>(list: ListState) {
  return (pagination: TablePaginationConfig, _filters: unknown, sorter: SorterResult<T> | SorterResult<T>[]) => {
    const s = Array.isArray(sorter) ? sorter[0] : sorter;
    const field = s?.order ? String(s.columnKey ?? s.field ?? '') : '';
    const order = s?.order === 'ascend' ? 'asc' : s?.order === 'descend' ? 'desc' : undefined;
    const sortChanged = (field || undefined) !== list.sort || order !== list.order;
    const pageSize = pagination.pageSize ?? list.pageSize;
    list.update({
      page: sortChanged || pageSize !== list.pageSize ? 1 : (pagination.current ?? 1),
      pageSize,
      sort: field || undefined,
      order,
    });
  };
}

/** Controlled sortOrder for a column key. */
export function sortOrderOf(list: ListState, key: string): 'ascend' | 'descend' | null {
  if (list.sort !== key) return null;
  return list.order === 'asc' ? 'ascend' : list.order === 'desc' ? 'descend' : null;
}
