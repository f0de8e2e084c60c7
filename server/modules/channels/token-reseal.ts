import type { TokenBox } from './token-box.ts';

export type Query = <T>(sql: string, params: unknown[]) => Promise<T[]>;

export interface ResealReport {
  /** Channels looked at. */
  channels: number;
  /** Tokens sealed again with the current key. */
  resealed: number;
  /** Channel ids whose token no configured key opens (their key is missing from HERALD_ENCRYPTION_KEYS_PREVIOUS). */
  unreadable: string[];
}

/**
 * Seals every token made with an older key again with the current one, so the older key can then be dropped.
 * Each update names the sealed text it read: a token changed meanwhile (PATCH) is left as that PATCH sealed it.
 */
export async function resealStaleTokens(query: Query, box: TokenBox, options: { tenantId?: string } = {}): Promise<ResealReport> {
  const rows = await query<{ id: string; access_token_sealed: string }>(
    `select id, access_token_sealed from channel ${options.tenantId ? 'where tenant_id = ?' : ''} order by id`,
    options.tenantId ? [options.tenantId] : [],
  );
  const report: ResealReport = { channels: rows.length, resealed: 0, unreadable: [] };
  for (const row of rows) {
    if (!box.isStale(row.access_token_sealed)) continue;
    let token: string;
    try {
      token = box.open(row.access_token_sealed, row.id);
    } catch {
      report.unreadable.push(row.id);
      continue;
    }
    const updated = await query<{ id: string }>(
      'update channel set access_token_sealed = ?, updated_at = now() where id = ? and access_token_sealed = ? returning id',
      [box.seal(token, row.id), row.id, row.access_token_sealed],
    );
    report.resealed += updated.length;
  }
  return report;
}
