export interface BodyHooks {
  /** Each chunk of the body as the reader takes it. */
  chunk?(bytes: number): void;
  /** Once: the body was read to its end, failed, or was cancelled (or there is none). */
  end?(): void;
}

/** Statuses whose responses carry no body (a Response with one cannot be constructed). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * The same response, with its body passed through hooks: how a fetch wrapper
 * learns a streamed answer's size (a longpoll sends heartbeats for seconds)
 * and when it is over.
 */
export function observeBody(response: Response, hooks: BodyHooks): Response {
  let ended = false;
  const finish = (): void => {
    if (ended) return;
    ended = true;
    hooks.end?.();
  };
  const body = response.body;
  if (!body || NULL_BODY_STATUSES.has(response.status)) {
    finish();
    return response;
  }
  const reader = body.getReader();
  const observed = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          finish();
          controller.close();
          return;
        }
        hooks.chunk?.(value.byteLength);
        controller.enqueue(value);
      } catch (err) {
        finish();
        controller.error(err);
      }
    },
    async cancel(reason) {
      finish();
      await reader.cancel(reason);
    },
  });
  return new Response(observed, { status: response.status, statusText: response.statusText, headers: response.headers });
}
