// The dialer's rules are shared with main, which applies them to the do-not-disturb forward number.
export {
  dialTargetOf,
  isWithheldNumber,
  normalizeDialString,
  vanityNumberDigits,
} from '../../../src-shared/dial-string.js';
