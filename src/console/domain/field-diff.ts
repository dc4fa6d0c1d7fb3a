import type { NoticeContent } from '../../notices/dto/notice.dto.js';

export interface FieldChange {
  field: string;
  before: string;
  after: string;
}

// Each content field as the text a reviewer compares (lists one item a line).
function fieldTexts(content: NoticeContent): Record<string, string> {
  const out: Record<string, string> = {
    title: content.title,
    description: content.description,
    'dataImpact.description': content.dataImpact.description,
    'dataImpact.categories': content.dataImpact.categories.join(', '),
    actionsTaken: content.actionsTaken.join('\n'),
    suggestedActions: content.suggestedActions.join('\n'),
  };
  for (const [locale, t] of Object.entries(content.translations ?? {}))
    for (const [key, value] of Object.entries(t))
      out[`translations.${locale}.${key}`] = Array.isArray(value)
        ? value.join('\n')
        : String(value);
  return out;
}

/** What changed from one revision to the next, field by field (a field added or removed shows as empty on one side). */
export function fieldDiff(before: NoticeContent | null, after: NoticeContent): FieldChange[] {
  const a = before ? fieldTexts(before) : {};
  const b = fieldTexts(after);
  const fields = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return fields
    .filter((f) => (a[f] ?? '') !== (b[f] ?? ''))
    .map((field) => ({ field, before: a[field] ?? '', after: b[field] ?? '' }));
}
