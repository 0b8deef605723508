import { type FormEvent, useState } from 'react'
import type { SshInfo, SshKey } from '../../api/types'
import type { Loaded, ViewAction } from '../../api/view-state'
import { Button } from '../../components/Button'
import { CopyButton } from '../../components/CopyButton'
import { ConfirmDialog } from '../../components/Dialog'
import { LoadState } from '../../components/Feedback'
import { Field } from '../../components/Field'
import { useT } from '../../i18n'
import { dateTime } from '../../lib/format'
import { sshCommand } from '../../modules/ssh/ssh-command'

export interface NewSshKey {
  publicKey: string
  name?: string
}

export interface SshKeysViewProps {
  keys: Loaded<SshKey[]>
  info: Loaded<SshInfo>
  add: ViewAction<NewSshKey>
  remove: ViewAction<string>
}

/** Where the gateway is and how to check its host key, then the account's keys. */
function GatewayInfo({ info }: { info: SshInfo }) {
  const { t } = useT()
  const command = sshCommand(info, '<pod>')
  if (!command || !info.hostKeyFingerprint) return <p className="small muted">{t('ssh.gatewayOff')}</p>
  return (
    <div className="stack" style={{ gap: '0.4rem' }} data-testid="ssh-gateway">
      <span className="small">{t('ssh.commandHint')}</span>
      <div className="url-row">
        <code>{command}</code>
        <CopyButton text={command} label={t('ssh.copyCommand')} />
      </div>
      <span className="small">{t('ssh.hostKeyHint')}</span>
      <div className="url-row">
        <code data-testid="ssh-host-key" style={{ overflowWrap: 'anywhere' }}>
          {info.hostKeyAlgorithm ? `${info.hostKeyAlgorithm} ` : ''}
          {info.hostKeyFingerprint}
        </code>
      </div>
    </div>
  )
}

export function SshKeysView({ keys, info, add, remove }: SshKeysViewProps) {
  const { t, locale } = useT()
  const [publicKey, setPublicKey] = useState('')
  const [name, setName] = useState('')
  const [removing, setRemoving] = useState<SshKey | null>(null)
  const submit = (e: FormEvent) => {
    e.preventDefault()
    const body: NewSshKey = { publicKey: publicKey.trim() }
    if (name.trim()) body.name = name.trim()
    void add.run(body).then((ok) => {
      if (!ok) return
      setPublicKey('')
      setName('')
    })
  }
  return (
    <section className="card stack" aria-labelledby="ssh-keys-heading">
      <h2 id="ssh-keys-heading">{t('ssh.keys')}</h2>
      <p className="small muted">{t('ssh.keysHint')}</p>
      <LoadState {...info} compact>
        {(i) => <GatewayInfo info={i} />}
      </LoadState>
      <form className="stack" onSubmit={submit}>
        <Field
          label={t('ssh.publicKey')}
          hint={t('ssh.publicKeyHint')}
          errors={add.error ? [add.error] : undefined}
        >
          <textarea
            className="input mono"
            rows={3}
            maxLength={16384}
            spellCheck={false}
            value={publicKey}
            placeholder="ssh-ed25519 AAAAC3Nza… you@laptop"
            onChange={(e) => setPublicKey(e.target.value)}
          />
        </Field>
        <div className="row" style={{ alignItems: 'flex-end' }}>
          <div style={{ flex: '1 1 14rem' }}>
            <Field label={t('ssh.keyName')} hint={t('ssh.keyNameHint')}>
              <input
                className="input"
                value={name}
                maxLength={60}
                placeholder="laptop"
                onChange={(e) => setName(e.target.value)}
              />
            </Field>
          </div>
          <Button type="submit" variant="primary" loading={add.pending} disabled={!publicKey.trim()}>
            {t('ssh.addKey')}
          </Button>
        </div>
      </form>
      <LoadState {...keys} compact empty={{ when: (list) => list.length === 0, title: t('ssh.noKeys') }}>
        {(list) => (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>{t('ssh.keyName')}</th>
                  <th>{t('ssh.type')}</th>
                  <th>{t('ssh.fingerprint')}</th>
                  <th className="hide-sm">{t('account.keyCreatedAt')}</th>
                  <th className="hide-sm">{t('account.keyLastUsed')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {list.map((k) => (
                  <tr key={k.id}>
                    <td>{k.name}</td>
                    <td className="small">{k.algorithm}</td>
                    <td className="mono small" style={{ overflowWrap: 'anywhere' }}>
                      {k.fingerprint}
                    </td>
                    <td className="hide-sm small">{dateTime(k.createdAt, locale)}</td>
                    <td className="hide-sm small">
                      {k.lastUsedAt ? dateTime(k.lastUsedAt, locale) : t('account.never')}
                    </td>
                    <td className="num">
                      <Button
                        size="sm"
                        variant="danger"
                        onClick={() => {
                          remove.reset()
                          setRemoving(k)
                        }}
                        aria-label={t('ssh.deleteKey', { name: k.name })}
                      >
                        {t('ssh.delete')}
                      </Button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </LoadState>
      <ConfirmDialog
        open={removing !== null}
        danger
        title={t('ssh.deleteTitle', { name: removing?.name ?? '' })}
        confirmLabel={t('ssh.delete')}
        pending={remove.pending}
        error={remove.error}
        onConfirm={() => removing && void remove.run(removing.id).then((ok) => ok && setRemoving(null))}
        onCancel={() => setRemoving(null)}
      >
        <p>{t('ssh.deleteBody')}</p>
      </ConfirmDialog>
    </section>
  )
}
