import { microsToEuros } from '../lib/money.js'
import type { UserMessage } from '../realtime/messages.js'

/** What the owner's header shows: the balance after a change, and the change itself (micro-euros in). */
export function balanceUpdate(
  userId: string,
  balance: number,
  change: number,
  reason: string,
  updatedBy: string | null,
  now: Date,
): UserMessage {
  return {
    kind: 'user',
    userId,
    event: 'balanceUpdate',
    payload: {
      type: 'balanceUpdate',
      userId,
      newBalance: microsToEuros(balance),
      change: microsToEuros(change),
      reason,
      updatedBy,
      timestamp: now.toISOString(),
    },
  }
}
