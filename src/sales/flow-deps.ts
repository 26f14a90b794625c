import type { ChatProApi } from '../clients/chatpro.js';
import type { EadApi } from '../clients/ead-api.js';
import type { WelcomeSettings } from '../domain/messages.js';
import type { PlanLookup } from '../plans/plan-resolution.js';
import type { SecretBox } from '../domain/secret-box.js';
import type { StepName, StepResults } from './steps.js';
import type { NearbyApproval, SaleEvent } from '../domain/inbox-event.js';
import type { MailApi } from '../clients/mail-client.js';

export interface FlowSettings {
  /** Password given to new students; unset → the EAD generates one. */
  defaultPassword?: string;
  alertOnSuccess: boolean;
  revokeMode: 'delete' | 'courses';
  cancelPolicy: 'at_period_end' | 'immediate' | 'ignore';
  welcome: WelcomeSettings;
  /** The admin page's public address (PUBLIC_URL, else RENDER_EXTERNAL_URL): alerts link to the event. */
  panelUrl?: string;
}

/**
 * What the sale rules read of the inbox (their port on the store): a customer's sale events and
 * what those events journaled — never a customer's whole history, never a row.
 */
export interface SalesLedger {
  /** One customer's sale events (approvals, refunds, chargebacks, ends of access), oldest first. */
  customerSales(customerKey: string): Promise<SaleEvent[]>;
  /** The customer's sale events of the sales with these keys (`saleKeyOf`), oldest first. */
  saleEvents(customerKey: string, saleKeys: string[]): Promise<SaleEvent[]>;
  /**
   * What these events journaled for `step`: event id → result (e.g. the matrículas of a customer's
   * approvals). Asked for the events a rule weighs, never a customer's whole history.
   */
  journaled<N extends StepName>(eventIds: number[], step: N): Promise<Map<number, StepResults[N]>>;
  /**
   * The customer's approvals received within `windowMs` of `at`, or of one of `orderIds`: the
   * ones that read as one purchase with another (an order bump and its main order).
   */
  approvalsNear(customerKey: string, around: { at: number; windowMs: number; orderIds?: string[] }): Promise<NearbyApproval[]>;
}

/** What the flows use of the world: external systems behind interfaces, the ledger, never HTTP or the store. */
export interface FlowDeps extends SalesLedger {
  ead: EadApi;
  /** Absent when ChatPro is not configured: welcomes are skipped and support is told. */
  chatpro?: ChatProApi;
  /** Absent when no SMTP server is configured: no welcome goes by e-mail. */
  mail?: MailApi;
  plans: PlanLookup;
  /** The time (epoch ms); injected so tests can move it. */
  clock(): number;
  settings: FlowSettings;
  /** Seals what must not be journaled in clear (a new student's password). */
  secrets: SecretBox;
}
