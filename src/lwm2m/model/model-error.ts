import { GatewayError } from '../../errors.js';

/**
 * A DDF file that cannot be used. `reasons` lists every problem found in the
 * file, each naming the object (and resource) it is about; the message starts
 * with the file name so a log line is self-contained.
 */
export class ModelError extends GatewayError {
  readonly file: string;
  readonly reasons: readonly string[];

  constructor(file: string, reasons: readonly string[], cause?: unknown) {
    super('GW_ERR_MODEL', `${file}: ${reasons.join('; ')}`, {
      cause,
      details: { file, reasons: [...reasons] },
    });
    this.file = file;
    this.reasons = Object.freeze([...reasons]);
  }

  /** The reasons joined, without the file name (for `{ file, reason }` problem lists). */
  get reason(): string {
    return this.reasons.join('; ');
  }
}
