import { useState } from 'react';
import { CODEC_LABELS } from '../../../src-shared/codec-order.js';
import { Confirmation, useConfirmation } from '../ui/Confirmation.js';
import {
  CODEC_HINTS,
  codecOrderOf,
  codecOrderSaved,
  codecRowsOf,
  moveCodec,
  toggleCodec,
} from './codec-order-model.js';
import { saveSettings } from './save-settings.js';
import type { SettingsSectionProps } from './section-props.js';

/**
 * Which voice codecs calls offer and in what order: the first one the other side also has is
 * the one a call uses, so G.722 first gives wideband audio wherever it can.
 */
export function CodecSettings({ store, settings, labelledBy }: SettingsSectionProps) {
  const [rows, setRows] = useState(() => codecRowsOf(settings.codecOrder));
  const [note, confirm] = useConfirmation();
  const result = codecOrderOf(rows);

  const save = async () => {
    if (!result.ok) return;
    const saved = await saveSettings(store, { codecOrder: result.order });
    if ('error' in saved) confirm(`Not saved: ${saved.error}`, 'failed');
    else confirm(codecOrderSaved(saved.settings.codecOrder));
  };

  return (
    <form
      className="settings-card codec-settings"
      aria-labelledby={labelledBy}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <p className="muted">Calls use the first codec on this list that the other side also has.</p>
      <ol className="codec-order" aria-label="Codec order">
        {rows.map((row, index) => (
          <li key={row.codec} className="codec-row" data-enabled={row.enabled}>
            <label className="codec-choice">
              <input
                type="checkbox"
                checked={row.enabled}
                onChange={() => setRows(toggleCodec(rows, index))}
              />
              <span>
                <strong>{CODEC_LABELS[row.codec]}</strong>
                <span className="muted codec-hint">{CODEC_HINTS[row.codec]}</span>
              </span>
            </label>
            <span className="codec-moves">
              <button
                type="button"
                aria-label={`Move ${CODEC_LABELS[row.codec]} up`}
                disabled={index === 0}
                onClick={() => setRows(moveCodec(rows, index, -1))}
              >
                ↑
              </button>
              <button
                type="button"
                aria-label={`Move ${CODEC_LABELS[row.codec]} down`}
                disabled={index === rows.length - 1}
                onClick={() => setRows(moveCodec(rows, index, 1))}
              >
                ↓
              </button>
            </span>
          </li>
        ))}
      </ol>
      {!result.ok && (
        <p className="field-error" role="alert">
          {result.error}
        </p>
      )}
      <div className="settings-submit">
        <button type="submit" disabled={!result.ok}>
          Save codecs
        </button>
        <Confirmation note={note} />
      </div>
    </form>
  );
}
