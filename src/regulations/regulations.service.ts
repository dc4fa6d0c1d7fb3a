import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import {
  IncidentFacts,
  Obligation,
  prepareEvaluation,
  TenantEvaluator,
} from './domain/evaluate.js';
import { loadRuleSet } from './rule-set-loader.js';
import type { Rule, RuleSet } from './domain/rule-set.js';
import { Clock } from '../common/clock/clock.js';

/** An obligation as stored per tenant: the rest is looked up in the rules version that made it. */
export interface CompactObligation {
  regulationId: string;
  dueAt: string | null;
}

/** The loaded rules (validated at boot: a bad RULES_PATH stops the process) and their history. */
@Injectable()
export class RegulationsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(RegulationsService.name);
  readonly ruleSet: RuleSet;
  private readonly byVersion = new Map<string, Map<string, Rule>>();

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {
    this.ruleSet = loadRuleSet({ overridePath: config.get('RULES_PATH') });
    this.byVersion.set(this.ruleSet.version, new Map(this.ruleSet.rules.map((r) => [r.id, r])));
  }

  get version(): string {
    return this.ruleSet.version;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.dataSource.query(
      'INSERT INTO rule_sets (version, content, loaded_at) VALUES ($1, $2::jsonb, $3) ON CONFLICT (version) DO NOTHING',
      [this.ruleSet.version, JSON.stringify(this.ruleSet), this.clock.now()],
    );
    this.logger.log({
      msg: 'rules loaded',
      version: this.ruleSet.version,
      rules: this.ruleSet.rules.length,
    });
  }

  prepare(incident: IncidentFacts): TenantEvaluator {
    return prepareEvaluation(this.ruleSet, incident, {
      defaultContractualNoticeHours: this.config.get('DEFAULT_CONTRACTUAL_NOTICE_HOURS'),
    });
  }

  /** Full obligations from compact ones, using the rules version that produced them. */
  async expand(version: string, compact: CompactObligation[]): Promise<Obligation[]> {
    const rules = await this.rulesOf(version);
    return compact.map((o) => {
      const rule = rules.get(o.regulationId);
      return {
        regulationId: o.regulationId,
        notifier: rule?.notifier ?? 'provider',
        recipient: rule?.recipient ?? 'unknown',
        dueAt: o.dueAt,
        dueText: rule?.dueText ?? '',
        citation: rule?.citation ?? '',
      };
    });
  }

  private async rulesOf(version: string): Promise<Map<string, Rule>> {
    const cached = this.byVersion.get(version);
    if (cached) return cached;
    const rows: Array<{ content: RuleSet }> = await this.dataSource.query(
      'SELECT content FROM rule_sets WHERE version = $1',
      [version],
    );
    const rules = new Map((rows[0]?.content.rules ?? []).map((r) => [r.id, r]));
    this.byVersion.set(version, rules);
    return rules;
  }
}
