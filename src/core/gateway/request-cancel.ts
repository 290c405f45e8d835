// How a forwarded request is ended early (the client cancelled or left, the response timeout, the
// gateway stops). One per request on the hot path: an AbortController and its EventTarget listener
// cost several µs per request (issue 21's profile), a flag and a listener list cost nothing.

/** What an upstream exchange needs of a cancel signal: an AbortSignal has it, and so has RequestCancel. */
export interface CancelSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** A request's cancel signal and its trigger in one: listeners run once, on the first abort(). */
export class RequestCancel implements CancelSignal {
  aborted = false;
  private listeners: (() => void)[] | undefined;

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners) for (const listener of listeners) listener();
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.aborted) return;
    (this.listeners ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const i = this.listeners?.indexOf(listener) ?? -1;
    if (i >= 0) this.listeners!.splice(i, 1);
  }
}
