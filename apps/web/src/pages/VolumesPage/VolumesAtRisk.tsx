import type { VolumeAtRisk } from '../../api/types'
import type { Loaded } from '../../api/view-state'
import { LoadState } from '../../components/Feedback'
import { useT } from '../../i18n'
import { dateTime, money } from '../../lib/format'

/** Admins: volumes whose owner's balance has been negative for the configured time (kept, never deleted). */
export function VolumesAtRisk({ atRisk }: { atRisk: Loaded<VolumeAtRisk[]> }) {
  const { t, locale } = useT()
  return (
    <section aria-labelledby="volumes-at-risk-heading">
      <h2 id="volumes-at-risk-heading">{t('volumes.atRisk')}</h2>
      <p className="muted">{t('volumes.atRiskHint')}</p>
      <LoadState {...atRisk} empty={{ when: (list) => list.length === 0, title: t('volumes.atRiskNone') }}>
        {(list) => (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>{t('volumes.name')}</th>
                  <th className="num">{t('volumes.size')}</th>
                  <th>{t('volumes.owner')}</th>
                  <th className="num">{t('volumes.ownerBalance')}</th>
                  <th>{t('volumes.negativeSince')}</th>
                  <th className="num">{t('volumes.costPerHour')}</th>
                </tr>
              </thead>
              <tbody>
                {list.map(({ volume, balance, negativeSince }) => (
                  <tr key={volume.volumeId} data-volume={volume.volumeId}>
                    <td>{volume.name}</td>
                    <td className="num">{volume.sizeGb} GB</td>
                    <td>{volume.userEmail}</td>
                    <td className="num">{money(balance, locale, { precise: true })}</td>
                    <td>
                      <time dateTime={negativeSince}>{dateTime(negativeSince, locale)}</time>
                    </td>
                    <td className="num">{money(volume.costPerHour, locale, { precise: true })}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </LoadState>
    </section>
  )
}
