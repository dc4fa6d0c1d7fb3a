let seq = 0;

export interface TenantInput {
  id?: string;
  name?: string;
  locale?: string;
  timeZone?: string;
  countries?: string[];
  dataRegions?: string[];
  services?: string[];
  industries?: string[];
  flags?: Record<string, boolean>;
  contractualNoticeHours?: number | null;
  contacts?: Array<{ name: string; email: string; role: string; locale?: string }>;
}

/** A valid tenant body; override what the test is about. */
export function tenantBody(overrides: TenantInput = {}): TenantInput & { id: string } {
  const n = ++seq;
  const id = overrides.id ?? `tenant-${n}`;
  return {
    id,
    name: `Tenant ${n}`,
    locale: 'en-US',
    timeZone: 'UTC',
    countries: ['DE'],
    dataRegions: ['eu-west'],
    services: ['mail'],
    industries: ['technology'],
    flags: {},
    contacts: [{ name: 'Ada Admin', email: `admin@${id}.example`, role: 'primary' }],
    ...overrides,
  };
}
