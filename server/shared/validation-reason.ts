import type { z } from 'zod';

/** The issue shapes that nest others: a record's key, a map's element, a union's alternatives. */
type Issue = z.core.$ZodIssue & { params?: { reason?: unknown }; issues?: Issue[]; errors?: Issue[][] };

function findReason(issues: readonly Issue[]): string | undefined {
  for (const issue of issues) {
    if (typeof issue.params?.reason === 'string') return issue.params.reason;
    const nested = findReason([...(issue.issues ?? []), ...(issue.errors ?? []).flat()]);
    if (nested) return nested;
  }
  return undefined;
}

/** `data.reason` of a validation error: the first refinement's own reason (UNSTORABLE_TEXT…), else INVALID_INPUT. */
export const validationReason = (issues: readonly z.core.$ZodIssue[]): string => findReason(issues as readonly Issue[]) ?? 'INVALID_INPUT';

/**
 * `data.issues` of a validation error: each offending field, dotted, with its message. A record key's or a map
 * element's issue says what is wrong with it (its nested issues), not only "Invalid key in record".
 */
export function issueSummaries(issues: readonly z.core.$ZodIssue[]): { path: string; message: string }[] {
  return (issues as readonly Issue[]).flatMap((issue) =>
    (issue.code === 'invalid_key' || issue.code === 'invalid_element') && issue.issues?.length
      ? issueSummaries(issue.issues.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] })))
      : [{ path: issue.path.join('.'), message: issue.message }],
  );
}

/** A zod error's first issue as `path: message` (`whole` names an issue about the whole value), or `none` when it has none. */
export function firstIssueText(error: z.ZodError, whole: string, none = 'invalid'): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || whole}: ${issue.message}` : none;
}
