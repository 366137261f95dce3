import type { SecurityEvent } from "../../../src/events/index.js";

/** Fixed events for the golden files: ordinary ones, and one whose every text field is hostile. */

const T0 = Date.UTC(2025, 0, 2, 3, 4, 5, 678);

export const allowed: SecurityEvent = {
  id: "01942a6b-1c2e-7000-8000-000000000001",
  time: T0,
  class: "api_activity",
  activity: "chat.completions",
  severity: "info",
  request_id: "req_0001",
  actor: { key_id: "key_abc123", key_name: "billing-service", team: "payments", role: "user" },
  src_endpoint: { ip: "192.0.2.10", user_agent: "openai-node/6.1.0" },
  http: { method: "POST", path: "/v1/chat/completions", status: 200 },
  route: "/v1/chat/completions",
  model: "demo-chat",
  provider: "demo",
  stream: false,
  decision: { action: "allow", monitor_only: false, reasons: [] },
  findings: [],
  usage: { prompt_tokens: 12, completion_tokens: 34 },
  latency_ms: { total: 18.25, upstream: 15.5, overhead: 2.75 },
  payload_ref: null,
};

export const blocked: SecurityEvent = {
  id: "01942a6b-1c2e-7000-8000-000000000002",
  time: T0 + 1000,
  class: "api_activity",
  activity: "messages",
  severity: "medium",
  request_id: "req_0002",
  actor: { key_id: "key_def456", key_name: "support-bot", role: "admin" },
  src_endpoint: { ip: "2001:db8::7", user_agent: "anthropic-sdk/0.71" },
  http: { method: "POST", path: "/v1/messages", status: 403 },
  route: "/v1/messages",
  model: "claude-demo",
  provider: "anthropic",
  stream: true,
  decision: {
    action: "block",
    monitor_only: false,
    reasons: ["prompt_injection: instruction_override", "secret: aws_access_key_id"],
  },
  findings: [
    {
      detector: "injection",
      kind: "instruction_override",
      category: "prompt_injection",
      severity: "high",
      score: 0.97,
      direction: "prompt",
      span: [0, 42],
      evidence: "ignore all previous…",
    },
    {
      detector: "secrets",
      kind: "aws_access_key_id",
      category: "secret",
      severity: "critical",
      score: 0.99,
      direction: "document",
      span: [100, 120],
      evidence: "AKIA****************",
    },
  ],
  usage: { prompt_tokens: 80, completion_tokens: 0 },
  latency_ms: { total: 3.5, overhead: 3.5 },
  error_code: "PCX_POLICY_BLOCKED",
  payload_ref: null,
};

export const adminAction: SecurityEvent = {
  id: "01942a6b-1c2e-7000-8000-000000000003",
  time: T0 + 2000,
  class: "admin_activity",
  activity: "key.suspended",
  severity: "low",
  actor: { key_id: "key_admin01", key_name: "ops-admin", role: "admin" },
  src_endpoint: { ip: "198.51.100.4" },
  http: { method: "POST", path: "/admin/v1/keys/key_abc123/suspend", status: 200 },
  decision: { action: "allow", monitor_only: false, reasons: [] },
  findings: [],
  details: { target_key_id: "key_abc123", reason: "rotated after leak" },
};

const HOSTILE = 'a|b=c\\d]e"f\r\ng\u0000h\u001bi \u202eRTL 🙂 é\u0301 \ud800 end';

/** Every free-text field carries pipes, equals signs, backslashes, CR/LF, ']' '"', controls and Unicode. */
export const hostile: SecurityEvent = {
  id: "01942a6b-1c2e-7000-8000-000000000004",
  time: T0 + 3000,
  class: "api_activity",
  activity: "chat.completions",
  severity: "low",
  request_id: "req|0004=\\]",
  actor: { key_id: "key_h|=\\", key_name: HOSTILE, team: 'te]am "q"', role: "user" },
  src_endpoint: { ip: "203.0.113.9", user_agent: `UA ${HOSTILE}` },
  http: { method: "POST", path: "/v1/chat/completions?x=1|2\\3", status: 200 },
  route: "/v1/chat/completions",
  // Very long: every format must bound it.
  model: `m${"x".repeat(5000)}`,
  provider: "open|ai=\\",
  stream: false,
  decision: { action: "redact", monitor_only: false, reasons: [`pii: email\nsecond line ${HOSTILE}`] },
  findings: [
    {
      detector: "pii",
      kind: "email=addr|x",
      category: "pii",
      severity: "medium",
      score: 0.8123456,
      direction: "output",
      span: [5, 25],
      evidence: "j***@example.com",
    },
  ],
  usage: { prompt_tokens: 5, completion_tokens: 6 },
  latency_ms: { total: 7 },
  payload_ref: null,
};

/** Many findings: formats without nesting list a bounded number and say how many were left out. */
export const manyFindings: SecurityEvent = {
  ...blocked,
  id: "01942a6b-1c2e-7000-8000-000000000005",
  time: T0 + 4000,
  decision: { action: "allow", monitor_only: true, reasons: ["monitor: pii"] },
  http: { method: "POST", path: "/v1/chat/completions", status: 200 },
  error_code: undefined,
  findings: Array.from({ length: 30 }, (_, i) => ({
    detector: "pii",
    kind: `kind_${i}`,
    category: "pii",
    severity: i === 7 ? "high" : "low",
    score: i / 30,
    direction: "prompt" as const,
    span: [i * 10, i * 10 + 5] as [number, number],
  })),
};

/** An unauthenticated request (no key) from an address that is not an IP (trustProxy junk). */
export const anonymous: SecurityEvent = {
  id: "01942a6b-1c2e-7000-8000-000000000006",
  time: T0 + 5000,
  class: "api_activity",
  activity: "chat.completions",
  severity: "medium",
  request_id: "req_0006",
  actor: { key_id: null },
  src_endpoint: { ip: "not-an-ip" },
  http: { method: "POST", path: "/v1/chat/completions", status: 401 },
  decision: { action: "block", monitor_only: false, reasons: ["auth: PCX_AUTH_MISSING_KEY"] },
  findings: [],
  error_code: "PCX_AUTH_MISSING_KEY",
};

export const samples = { allowed, blocked, adminAction, hostile, manyFindings, anonymous };
