/**
 * Turns whatever an SDK call threw into a plain, serialisable description an orchestration can
 * report: HTTP status, ARM error code, message — with anything secret-looking scrubbed — and
 * whether retrying could help.
 */
export interface ArmFailure {
  statusCode?: number;
  code: string;
  message: string;
  /** Throttling, server errors, timeouts and dropped connections may succeed on a later try. */
  transient: boolean;
  /** Seconds ARM asked us to wait (Retry-After), when it said. */
  retryAfterSeconds?: number;
}

/** SAS signatures, account keys and passwords must never reach a log, status or report. */
export function scrubSecrets(text: string): string {
  return text
    .replace(/([?&]sig=)[^&\s"']+/gi, '$1<redacted>')
    .replace(/(AccountKey=)[^;\s"']+/gi, '$1<redacted>')
    .replace(/([?&]token=)[^&\s"']+/gi, '$1<redacted>')
    .replace(/("?(?:adminPassword|password|storageAccountKey)"?\s*[:=]\s*")[^"]*"/gi, '$1<redacted>"');
}

const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'REQUEST_SEND_ERROR', 'ArmRequestTimeout']);

export function describeArmError(error: unknown): ArmFailure {
  if (typeof error !== 'object' || error === null) {
    return { code: 'UnknownError', message: scrubSecrets(String(error)), transient: false };
  }
  const e = error as {
    statusCode?: number;
    code?: string;
    message?: string;
    name?: string;
    response?: { headers?: { get?(name: string): string | undefined } };
    retryAfterSeconds?: number;
  };
  const statusCode = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const retryAfterHeader = e.response?.headers?.get?.('retry-after');
  const retryAfterSeconds = typeof e.retryAfterSeconds === 'number' ? e.retryAfterSeconds : retryAfterHeader !== undefined && /^\d+$/.test(retryAfterHeader) ? Number(retryAfterHeader) : undefined;
  const code = e.code ?? (e.name === 'AbortError' ? 'Timeout' : 'UnknownError');
  const transient =
    statusCode === 429 ||
    statusCode === 408 ||
    (statusCode !== undefined && statusCode >= 500) ||
    TRANSIENT_CODES.has(code) ||
    e.name === 'AbortError';
  return {
    ...(statusCode !== undefined ? { statusCode } : {}),
    code,
    message: scrubSecrets(e.message ?? JSON.stringify(error)),
    transient,
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  };
}
