import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';

/**
 * SHA-256 (hex) of a value's canonical JSON (RFC 8785): the same content written with other key
 * order or number spelling has the same hash. Idempotent intake, notice revisions and approvals
 * compare content by it.
 */
export function contentSha256(value: unknown): string {
  return createHash('sha256')
    .update(canonicalize(value) ?? '')
    .digest('hex');
}
