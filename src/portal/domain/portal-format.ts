/** An instant as the tenant reads it: its locale and its time zone (UTC if either is unusable). */
export function localTime(at: Date | string, locale: string, timeZone: string): string {
  const date = new Date(at);
  try {
    return new Intl.DateTimeFormat(locale, {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      timeZone,
      timeZoneName: 'short',
    }).format(date);
  } catch {
    return date.toISOString();
  }
}

export interface ContactFormRow {
  index: number;
  name: string;
  email: string;
  role: string;
  locale: string;
}

/** Up to this many rows: the API's limit on contacts, plus nothing. */
export const MAX_CONTACT_ROWS = 50;

/**
 * The contact rows of the portal's form (fields name_<i>, email_<i>, role_<i>, locale_<i>); a
 * row left wholly empty is no contact (that is how one is removed or none is added).
 */
export function contactRows(body: Record<string, unknown>): ContactFormRow[] {
  const field = (name: string): string => {
    const v = body[name];
    return typeof v === 'string' ? v.trim() : '';
  };
  const rows: ContactFormRow[] = [];
  for (let index = 0; index <= MAX_CONTACT_ROWS; index++) {
    const row = {
      index,
      name: field(`name_${index}`),
      email: field(`email_${index}`),
      role: field(`role_${index}`),
      locale: field(`locale_${index}`),
    };
    if (row.name || row.email || row.locale) rows.push(row);
  }
  return rows;
}

/** The body PUT /v1/tenants/{id}/contacts takes, from the form's rows (empty locale: none). */
export const contactsBody = (rows: ContactFormRow[]) =>
  rows.map((r) => ({
    name: r.name,
    email: r.email,
    role: r.role,
    ...(r.locale ? { locale: r.locale } : {}),
  }));
