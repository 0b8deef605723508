import type { ToastTone } from '../components/Toasts'
import type { MessageKey, Vars } from '../i18n'
import { duration, money, signedMoney } from '../lib/format'
import type { Notice } from './events'

/** A notice as toast text in the user's language. */
export function noticeToast(
  notice: Notice,
  t: (key: MessageKey, vars?: Vars) => string,
  locale: string,
): { tone: ToastTone; title: string; body?: string } {
  switch (notice.kind) {
    case 'podCreated':
      return {
        tone: 'info',
        title: t('notice.podCreated', { name: notice.podName }),
        body: notice.owner ? t('notice.createdBy', { who: notice.owner }) : undefined,
      }
    case 'podDeleted':
      return { tone: 'info', title: t('notice.podDeleted', { name: notice.podName }) }
    case 'podFailed':
      return {
        tone: 'bad',
        title: t('notice.podFailed', { name: notice.podName }),
        body: notice.reason ?? undefined,
      }
    case 'podRunning':
      return { tone: 'ok', title: t('notice.podRunning', { name: notice.podName }) }
    case 'balanceChanged':
      return {
        tone: 'info',
        title: t('notice.balanceChanged', { change: signedMoney(notice.change, locale) }),
        body: t('notice.balanceNow', { balance: money(notice.balance, locale), reason: notice.reason }),
      }
    case 'lowBalance':
      return notice.level === 'empty'
        ? { tone: 'bad', title: t('notice.balanceEmpty'), body: t('notice.balanceEmptyBody') }
        : {
            tone: 'warn',
            title: t('notice.lowBalance', { balance: money(notice.balance, locale) }),
            body:
              notice.hoursLeft !== null
                ? t('notice.timeLeft', { time: duration(notice.hoursLeft * 3600) })
                : undefined,
          }
    case 'idleWarning':
      return {
        tone: 'warn',
        title: t('idle.toast', { name: notice.podName, minutes: notice.minutesLeft }),
        body: t('idle.toastBody'),
      }
    case 'admin':
      return {
        tone: notice.event === 'podFailed' || notice.event === 'runtimeUnreachable' ? 'bad' : 'info',
        title: t(`admin.notice.${notice.event}`),
        body: notice.message,
      }
    default: {
      const unreachable: never = notice
      return unreachable
    }
  }
}
