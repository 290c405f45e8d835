// The JSON-RPC envelope check on the gateway's hot path (issue 21): every upstream message was run
// through the SDK's JSONRPCMessageSchema (a zod union of four strict objects), paid per message in
// both eras. The common shapes are told apart here by looking at the envelope alone; only where the
// SDK's schema could answer differently from the input (it strips unknown keys of `error`, checks and
// rewrites `_meta`) or where the shape is unusual does the full schema decide.
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { asSpecType } from '../spec-type';

const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);
const NOTIFICATION_KEYS = new Set(['jsonrpc', 'method', 'params']);
const RESULT_KEYS = new Set(['jsonrpc', 'id', 'result']);
const ERROR_KEYS = new Set(['jsonrpc', 'id', 'error']);
const ERROR_FIELDS = new Set(['code', 'message', 'data']);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The SDK's RequestIdSchema: a string or an integer (zod's int: a safe integer). */
function isRequestId(v: unknown): boolean {
  return typeof v === 'string' || Number.isSafeInteger(v);
}

function onlyKeys(o: Record<string, unknown>, allowed: Set<string>): boolean {
  for (const k in o) if (!Object.hasOwn(o, k) || !allowed.has(k)) return false;
  return true;
}

/** A `params` or `result` the schema passes through unchanged: an object without `_meta`. */
function isPlainPayload(v: unknown): boolean {
  return isPlainObject(v) && !Object.hasOwn(v, '_meta');
}

const SERVER_INFO_KEY = 'io.modelcontextprotocol/serverInfo';
/** The string fields of the SDK's ImplementationSchema (its `icons` are left to the schema). */
const IMPLEMENTATION_STRINGS = new Set(['name', 'version', 'title', 'websiteUrl', 'description']);

/**
 * A `result` whose `_meta` the schema (ResultMetaObjectSchema, loose) returns equal: a plain object
 * whose server info, when present, is one the SDK's ImplementationSchema keeps as it is (name and
 * version, and only the other string fields). Every 2026-07-28 server stamps its info in each
 * result's `_meta`: without this, each of their answers would take the schema's way.
 */
function isPlainResult(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  if (!Object.hasOwn(v, '_meta')) return true;
  const meta = v._meta;
  if (!isPlainObject(meta)) return false;
  if (!Object.hasOwn(meta, SERVER_INFO_KEY)) return true;
  const info = meta[SERVER_INFO_KEY];
  if (!isPlainObject(info) || typeof info.name !== 'string' || typeof info.version !== 'string') return false;
  for (const k in info)
    if (!Object.hasOwn(info, k) || !IMPLEMENTATION_STRINGS.has(k) || typeof info[k] !== 'string') return false;
  return true;
}

export type Verdict = 'valid' | 'invalid' | 'unsure';

/**
 * 'valid' when the envelope is one the SDK's JSONRPCMessageSchema accepts and returns equal (so the
 * input itself can stand for the schema's output), 'invalid' when the schema certainly refuses it
 * (not an object, not JSON-RPC 2.0), 'unsure' otherwise: then the schema decides.
 */
export function checkEnvelope(v: unknown): Verdict {
  if (!isPlainObject(v) || v.jsonrpc !== '2.0') return 'invalid';
  if (typeof v.method === 'string') {
    const isRequest = Object.hasOwn(v, 'id');
    if (isRequest && !isRequestId(v.id)) return 'unsure';
    if (!onlyKeys(v, isRequest ? REQUEST_KEYS : NOTIFICATION_KEYS)) return 'unsure';
    return !Object.hasOwn(v, 'params') || isPlainPayload(v.params) ? 'valid' : 'unsure';
  }
  if (Object.hasOwn(v, 'result')) {
    return isRequestId(v.id) && onlyKeys(v, RESULT_KEYS) && isPlainResult(v.result) ? 'valid' : 'unsure';
  }
  if (Object.hasOwn(v, 'error')) {
    const e = v.error;
    if (
      (Object.hasOwn(v, 'id') && !isRequestId(v.id)) ||
      !onlyKeys(v, ERROR_KEYS) ||
      !isPlainObject(e) ||
      !onlyKeys(e, ERROR_FIELDS)
    )
      return 'unsure';
    return Number.isSafeInteger(e.code) && typeof e.message === 'string' ? 'valid' : 'unsure';
  }
  return 'unsure';
}

/** Whether checkEnvelope's verdict lets the value stand as the message. */
function standsAsMessage(_v: unknown, verdict: Verdict): _v is JSONRPCMessage {
  return verdict === 'valid';
}

/** One parsed JSON value as a JSON-RPC message, as JSONRPCMessageSchema reads it; undefined when it is not one. */
export function asJsonRpcMessage(v: unknown): JSONRPCMessage | undefined {
  const verdict = checkEnvelope(v);
  if (verdict === 'unsure') return asSpecType('JSONRPCMessage', v);
  return standsAsMessage(v, verdict) ? v : undefined;
}
