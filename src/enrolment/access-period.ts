import { ACCESS_RESTORED_BY_SUPPORT, SUBSCRIPTION_TRIAL_STARTED } from '../domain/event-types.js';
import { formatDay, messages } from '../domain/messages.js';
import { parseKiwifyDate } from '../intake/kiwify-dates.js';
import type { KiwifyOrder } from '../intake/kiwify-payload.js';
import type { Plan } from '../plans/plan-map.js';
import { accessEndEvent, DAY_MS, TRIAL_GRACE_DAYS } from '../sales/access-end.js';
import type { AccessEndStep, FlowContext } from '../sales/steps.js';

/**
 * For how long a sale's access lasts, when it does not last until the sale ends:
 * - a free trial (`subscription_trial_started`): until `Subscription.trial_end`; if no charge
 *   and no cancel came by then, the access is revoked TRIAL_GRACE_DAYS later;
 * - a plan with `accessDays` (a one-off "1 ano de acesso"): the matrícula sends `dias`, and the
 *   access ends the plan's days from now — or at Kiwify's `customer_access.access_until` when that
 *   is later (a renewal's new paid period). A renewal or a new purchase of the plan moves it.
 * Access support gives back by hand starts no new period.
 */
export interface AccessPeriod {
  /** `dias` for the matrícula. */
  days?: number;
  /** When the scheduled end of access runs. */
  endsAt?: number;
  why?: AccessEndStep['why'];
  /** A trial's end, as Kiwify said it (the welcome tells it). */
  trialEnd?: number;
  /** A trial whose end Kiwify did not say: nothing is scheduled, support is told. */
  trialWithoutEnd?: boolean;
}

export function accessPeriod(eventType: string, order: KiwifyOrder, plan: Plan, now: number): AccessPeriod {
  if (eventType === ACCESS_RESTORED_BY_SUPPORT) return {};
  if (eventType === SUBSCRIPTION_TRIAL_STARTED) {
    const trialEnd = parseKiwifyDate(order.Subscription?.trial_end);
    return trialEnd === undefined
      ? { trialWithoutEnd: true }
      : { trialEnd, endsAt: Math.max(now, trialEnd + TRIAL_GRACE_DAYS * DAY_MS), why: 'trial' };
  }
  if (!plan.accessDays) return {};
  const paidUntil = parseKiwifyDate(order.Subscription?.customer_access?.access_until) ?? 0;
  return { days: plan.accessDays, endsAt: Math.max(now + plan.accessDays * DAY_MS, paidUntil), why: 'access_days' };
}

/** Schedules the end of access (once per event: journaled), when the period has one. */
export async function scheduleAccessEnd(ctx: FlowContext, period: AccessPeriod): Promise<AccessEndStep | undefined> {
  const { endsAt, why } = period;
  if (period.trialWithoutEnd) await ctx.alert(messages.trialWithoutEnd(ctx.event), 'trial-without-end');
  if (endsAt === undefined || why === undefined) return undefined;
  const { value } = await ctx.step('access_end', async () => {
    const { id } = await ctx.schedule(accessEndEvent(ctx.event, ctx.body, endsAt));
    return { at: endsAt, eventId: id, why };
  });
  return value;
}

/** The part of an outcome that says how long the access lasts ("" without an end). */
export function periodText(period: AccessPeriod, end: AccessEndStep | undefined): string {
  if (period.why === 'trial' && period.trialEnd !== undefined && end) {
    return `; teste grátis até ${formatDay(period.trialEnd)} (sem cobrança até ${formatDay(end.at)}, o acesso é retirado: evento #${end.eventId})`;
  }
  if (period.trialWithoutEnd) return '; teste grátis sem data de fim informada pela Kiwify: o acesso não será retirado sozinho';
  if (end) return `; acesso até ${formatDay(end.at)} (evento #${end.eventId})`;
  return '';
}

/**
 * A renewal (or a new purchase) that moved a time-limited access's end without a new matrícula:
 * the EAD's own contract (its `data_fim`) is not moved — its API has no documented way to extend
 * one —, so support is told the new end, to extend the contract in the EAD if it ends sooner.
 */
export async function tellAccessMoved(ctx: FlowContext, period: AccessPeriod, end: AccessEndStep | undefined, enrolledNow: boolean) {
  if (period.why !== 'access_days' || !end || enrolledNow) return;
  await ctx.alert(messages.accessMoved(ctx.event, formatDay(end.at)), 'access-moved');
}
