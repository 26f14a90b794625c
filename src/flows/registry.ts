import { ChatProClient } from '../clients/chatpro.js';
import { EadClient } from '../clients/ead.js';
import type { Config } from '../config.js';
import { messages } from '../domain/messages.js';
import { PlanCatalog } from '../domain/plans.js';
import type { SecretBox } from '../domain/secret-box.js';
import type { Clock } from '../timing/clock.js';
import type { AlertOutbox } from '../alerts/outbox.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/index.js';
import type { HandlerRegistry } from '../worker/types.js';
import { approvedFlow } from './approved.js';
import { cancelFlow } from './cancel.js';
import type { FlowDeps } from './deps.js';
import type { StepResults } from './steps.js';
import { revokeFlow, scheduledRevokeFlow } from './revoke.js';
import { REVOKE_ACCESS } from './sales.js';

/** Event types whose handlers need the EAD: they wait while the EAD's connection check fails. */
export const EAD_BOUND_EVENTS: readonly string[] = ['order_approved', 'order_refunded', 'chargeback', REVOKE_ACCESS];

/** The clients of the external systems the flows use (one of each per process). */
export interface FlowClients {
  ead: EadClient;
  /** Absent when ChatPro is not configured. */
  chatpro?: ChatProClient;
}

export function clientsFromConfig(config: Config): FlowClients {
  const timeoutMs = config.HTTP_TIMEOUT_MS;
  return {
    ead: new EadClient({ baseUrl: config.EAD_BASE_URL, apiKey: config.EAD_API_KEY, unitId: config.EAD_UNIT_ID, timeoutMs }),
    chatpro:
      config.CHATPRO_INSTANCE_ID && config.CHATPRO_TOKEN
        ? new ChatProClient({
            baseUrl: config.CHATPRO_BASE_URL,
            instanceId: config.CHATPRO_INSTANCE_ID,
            token: config.CHATPRO_TOKEN,
            timeoutMs,
          })
        : undefined,
  };
}

export interface HandlerServices {
  store: Store;
  alerts: AlertOutbox;
  log: Logger;
  clients: FlowClients;
  /** Seals a new student's password in the journal. */
  secrets: SecretBox;
  clock: Clock;
}

/**
 * The handler of each event type. Types without one (billet_created, pix_created,
 * order_rejected, subscription_late, subscription_renewed, abandoned_cart, …) are recorded as
 * `ignored`.
 */
export function handlersFor(deps: FlowDeps): HandlerRegistry {
  return {
    order_approved: approvedFlow(deps),
    order_refunded: revokeFlow(deps),
    chargeback: revokeFlow(deps),
    subscription_canceled: cancelFlow(deps),
    [REVOKE_ACCESS]: scheduledRevokeFlow(deps),
  };
}

/** Builds the real clients from the configuration (the plan map is validated here: start-up fails if it is invalid). */
export function flowDepsFromConfig(config: Config, { store, alerts, log, clients, secrets, clock }: HandlerServices): FlowDeps {
  const plans = new PlanCatalog(
    config.PLANS_FILE,
    (error) => {
      log.error({ problems: error.problems }, 'mapa de planos inválido; mantendo a versão anterior');
      void alerts.enqueue(messages.planMapInvalid(error.problems));
    },
    (count) => log.info({ plans: count }, 'mapa de planos recarregado'),
  );
  return {
    ead: clients.ead,
    chatpro: clients.chatpro,
    plans,
    customerEvents: (customerKey) => store.events.byCustomer(customerKey),
    journaled: async <N extends keyof StepResults>(customerKey: string, step: N) =>
      (await store.journal.stepResults(customerKey, step)) as Map<number, StepResults[N]>,
    clock,
    secrets,
    settings: {
      defaultPassword: config.STUDENT_DEFAULT_PASSWORD,
      alertOnSuccess: config.ALERT_ON_SUCCESS,
      revokeMode: config.REVOKE_MODE,
      cancelPolicy: config.CANCEL_POLICY,
      welcome: {
        schoolName: config.SCHOOL_NAME,
        portalUrl: config.PORTAL_URL,
        androidAppUrl: config.ANDROID_APP_URL,
        iosAppUrl: config.IOS_APP_URL,
        supportWhatsapp: config.SUPPORT_WHATSAPP,
      },
    },
  };
}

export function buildHandlers(config: Config, services: HandlerServices): HandlerRegistry {
  return handlersFor(flowDepsFromConfig(config, services));
}
