/**
 * Validation at the IPC boundary, kept free of Electron so it can be tested on its own: a
 * request is served only if it comes from a trusted frame, names a known channel and carries a
 * payload its schema accepts. Anything else is refused as data; nothing a renderer sends can
 * throw inside main.
 */
import {
  invokeSchemas,
  isInvokeName,
  type BridgeResult,
  type InvokeName,
  type InvokeRequest,
  type InvokeResponse,
} from '../../src-shared/ipc-contract.js';

export type InvokeHandlers = {
  [C in InvokeName]: (request: InvokeRequest<C>) => Promise<InvokeResponse<C>>;
};

export interface IpcRouterOptions {
  handlers: InvokeHandlers;
  /** True only for the app's own top frame (checked by the shell against its URL). */
  isTrustedSender: (senderUrl: string | undefined) => boolean;
  onRefused?: (reason: string) => void;
}

export function createIpcRouter(options: IpcRouterOptions) {
  return async function route(
    name: string,
    payload: unknown,
    senderUrl: string | undefined,
  ): Promise<BridgeResult<unknown>> {
    const refuse = (code: string, message: string): BridgeResult<unknown> => {
      options.onRefused?.(`${code}: ${message}`);
      return { ok: false, error: { code, message } };
    };
    if (!options.isTrustedSender(senderUrl)) {
      return refuse('untrusted-sender', 'request from a frame that is not the app');
    }
    if (!isInvokeName(name))
      return refuse('unknown-channel', `no such command: ${name.slice(0, 64)}`);
    const parsed = invokeSchemas[name].request.safeParse(payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return refuse(
        'bad-payload',
        `${name}: ${issue?.path.join('.') || 'payload'} ${issue?.message ?? ''}`.trim(),
      );
    }
    try {
      const handler = options.handlers[name] as (request: unknown) => Promise<unknown>;
      return { ok: true, value: await handler(parsed.data) };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      return {
        ok: false,
        error: {
          code: typeof code === 'string' ? code : 'failed',
          message: error instanceof Error ? error.message : String(error),
        },
      };
    }
  };
}
