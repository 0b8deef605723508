import { useQuery } from '@tanstack/react-query'
import { Link } from 'react-router'
import { sshInfoQuery } from '../../api/queries/ssh'
import type { Pod, SshInfo } from '../../api/types'
import { CopyButton } from '../../components/CopyButton'
import { useT } from '../../i18n'
import { sshCommand } from './ssh-command'

/** "Connect via SSH": the command for this pod, with a copy button and where keys are added. */
export function SshHintView({ info, pod }: { info: SshInfo | undefined; pod: Pod }) {
  const { t } = useT()
  const command = sshCommand(info, pod.podId)
  if (!command) return null
  return (
    <div className="stack" style={{ gap: '0.35rem' }} data-testid="ssh-hint">
      <h3 className="label">{t('ssh.connectVia')}</h3>
      <div className="url-row" style={{ minWidth: 0 }}>
        <code className="small" style={{ overflowWrap: 'anywhere' }}>
          {command}
        </code>
        <CopyButton text={command} label={t('ssh.copyCommand')} />
      </div>
      <span className="small muted">
        {t('ssh.hintKeys')} <Link to="/account#ssh-keys-heading">{t('ssh.manageKeys')}</Link>
      </span>
    </div>
  )
}

/** The hint with the gateway's address fetched (shown only when the gateway is on). */
export function SshHint({ pod }: { pod: Pod }) {
  const info = useQuery(sshInfoQuery())
  return <SshHintView info={info.data} pod={pod} />
}
