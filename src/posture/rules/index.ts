/**
 * The rule index: one line per rule (STYLE.md §7: a test checks it against the fixtures under
 * test/fixtures/posture/ and the sections of docs/posture.md). Order is the order of the report.
 */
import type { PostureRule } from "../types.js";
import {
  auditNotExported,
  auditOff,
  payloadsFull,
  payloadsKekExposed,
  payloadsKeptForever,
  siemNotConfigured,
} from "./data.js";
import { guardsNotEnforcing, guardsOff } from "./guards.js";
import { incidentsNotNotified } from "./incidents.js";
import {
  keyLimitsOff,
  penaltyBoxOff,
  requestSizeUnbounded,
  teamWithoutLimits,
  unauthenticatedUnlimited,
} from "./limits.js";
import { exportTlsOff, upstreamTlsOff } from "./outbound.js";
import { keysWithoutExpiry, secretFilePermissions, weakSecret } from "./secrets.js";
import { adminApiCleartext, corsPermissive, metricsOpen, tlsOffPublicBind } from "./transport.js";

export const RULES: readonly PostureRule[] = [
  tlsOffPublicBind,
  adminApiCleartext,
  corsPermissive,
  metricsOpen,
  guardsOff,
  guardsNotEnforcing,
  weakSecret,
  secretFilePermissions,
  keysWithoutExpiry,
  keyLimitsOff,
  teamWithoutLimits,
  unauthenticatedUnlimited,
  requestSizeUnbounded,
  penaltyBoxOff,
  upstreamTlsOff,
  exportTlsOff,
  payloadsKekExposed,
  payloadsFull,
  payloadsKeptForever,
  auditOff,
  auditNotExported,
  siemNotConfigured,
  incidentsNotNotified,
];
