import { useState } from 'react';
import type { MediaEncryption, SipTransport } from '../../../src-shared/domain.js';
import { Confirmation, useConfirmation } from '../ui/Confirmation.js';
import { Field } from '../ui/Field.js';
import { saveSettings } from './save-settings.js';
import {
  checkCaFilePath,
  encryptionSaved,
  MEDIA_ENCRYPTION_WORDS,
  mediaEncryptionHint,
  registrarLine,
  TLS_EXPLAINED,
  TRANSPORT_WORDS,
} from './encryption-model.js';
import type { SettingsSectionProps } from './section-props.js';

/**
 * SIP over UDP, TCP or TLS, SRTP for the audio, and a CA file for a private PBX. There is no
 * "accept any certificate": a server whose certificate fails the check is not talked to.
 */
export function EncryptionSettings({ store, settings, labelledBy }: SettingsSectionProps) {
  const [transport, setTransport] = useState(settings.sipTransport);
  const [media, setMedia] = useState(settings.mediaEncryption);
  const [caFile, setCaFile] = useState(settings.tlsCaFile ?? '');
  const [note, confirm] = useConfirmation();
  const caCheck = checkCaFilePath(caFile);
  const server = settings.account?.server;

  const save = async () => {
    if (!caCheck.valid) return;
    const result = await saveSettings(store, {
      sipTransport: transport,
      mediaEncryption: media,
      tlsCaFile: caCheck.path,
    });
    if ('error' in result) confirm(`Not saved: ${result.error}`, 'failed');
    else confirm(encryptionSaved(result.settings));
  };

  return (
    <form
      className="settings-card encryption-settings"
      aria-labelledby={labelledBy}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <Field
        label="Transport"
        hint={
          <>
            {TLS_EXPLAINED}
            {server && (
              <>
                <br />
                {registrarLine(server, transport)}
              </>
            )}
          </>
        }
      >
        {(control) => (
          <select
            {...control}
            value={transport}
            onChange={(event) => setTransport(event.target.value as SipTransport)}
          >
            {(Object.keys(TRANSPORT_WORDS) as SipTransport[]).map((key) => (
              <option key={key} value={key}>
                {TRANSPORT_WORDS[key]}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Media encryption (SRTP)" hint={mediaEncryptionHint(media, transport)}>
        {(control) => (
          <select
            {...control}
            value={media}
            onChange={(event) => setMedia(event.target.value as MediaEncryption)}
          >
            {(Object.keys(MEDIA_ENCRYPTION_WORDS) as MediaEncryption[]).map((key) => (
              <option key={key} value={key}>
                {MEDIA_ENCRYPTION_WORDS[key]}
              </option>
            ))}
          </select>
        )}
      </Field>
      {transport === 'tls' && (
        <Field
          label="Extra CA certificate file (optional)"
          hint="Only for a private PBX with its own certificate authority; leave it empty for voip.ms. The server’s certificate is always checked, and one that fails is never accepted."
          error={caCheck.valid ? null : caCheck.error}
        >
          {(control) => (
            <input
              {...control}
              value={caFile}
              placeholder="/etc/ssl/certs/my-pbx-ca.pem"
              autoComplete="off"
              spellCheck={false}
              onChange={(event) => setCaFile(event.target.value)}
            />
          )}
        </Field>
      )}
      <div className="settings-submit">
        <button type="submit" disabled={!caCheck.valid}>
          Save encryption
        </button>
        <Confirmation note={note} />
      </div>
    </form>
  );
}
