import { fmix, HLL_REGISTERS, hllAdd, hllCount, tableHas, tablePut } from "./sketch.js";

/**
 * The streaming state of one identity (a key) or one team: a single fixed-size buffer, so memory
 * per identity is known in advance (about 4.8 KB), a table of them is bounded by its entry count,
 * and sharing one through Redis is a byte copy. Every count is an exponentially decayed counter
 * (Cormode et al., "Forward decay", ICDE 2009, in its simplest backward form): a counter with time
 * constant τ holds about "how many in the last τ" for a steady stream, and costs one multiply per
 * update. Counters at three scales see a burst (10 min), a session (2 h) and a slow campaign
 * (12 h); a fourth, 3-day scale is the identity's own baseline volume.
 */

/** Time constants of the decayed counters, in ms: 10 min, 2 h, 12 h. */
export const SCALES = [600_000, 7_200_000, 43_200_000] as const;
export const SCALE_LABELS = ["10 min", "2 h", "12 h"] as const;
export type Scale = 0 | 1 | 2;
/** The baseline's time constant: 3 days. */
export const BASELINE_TAU = 3 * 86_400_000;
/** Active 5-minute slots measure how continuously an identity works. */
export const SLOT_MS = 300_000;

/** What is counted per request, at every scale. */
export const M = {
  req: 0,
  /** Prompt tokens (the provider's count, else the gateway's estimate). */
  tokensIn: 1,
  /** Completion tokens asked for (max_tokens) or, when not given, used. */
  tokensOut: 2,
  /** Prompts that are not a near-duplicate of one the identity sent recently (MinHash LSH). */
  novel: 3,
  /** Requests asking for logprobs / top_logprobs or several completions (n > 1). */
  harvest: 4,
  /** Requests at temperature 0 (deterministic teacher outputs). */
  temp0: 5,
  /** Templates not seen recently: a running distinct count of templates in the window. */
  newTemplate: 6,
  /** Novel prompts on a template already seen: templated prompts with varying slots. */
  slotFill: 7,
  /** Requests with PII findings in the prompt or its documents. */
  piiReq: 8,
  /** PII and secret findings in prompts (how much personal data left). */
  piiItems: 9,
  /** Requests with secret findings in the prompt. */
  secretReq: 10,
  /** Requests with prompt-injection, jailbreak or system-prompt-leak findings. */
  inject: 11,
  /** Of those, system-prompt extraction attempts and leaks. */
  sysPrompt: 12,
  /** Requests the gateway blocked. */
  blocked: 13,
  /** Maximal requests: huge prompts or huge max_tokens (cost harvesting). */
  maximal: 14,
  /** Source IPs and user agents not in the identity's recent set. */
  newIp: 15,
  newUa: 16,
  /** Consecutive requests from different IPs within a minute: the key used from two places at once. */
  ipSwitch: 17,
  /** 5-minute slots with activity (continuity: a script works around the clock). */
  activeSlot: 18,
  /** Requests off the identity's usual hours (only once its hour profile is mature). */
  offHours: 19,
  /** Requests the gateway refused for the key's or team's rate, budget or concurrency limits (429). */
  limited: 20,
} as const;
export const METRICS = 21;
const NS = SCALES.length;

// Float64 layout.
const F_LAST = 0; // time of the last update (ms)
const F_FIRST = 1; // first seen
const F_TOTAL = 2; // requests ever
const F_SLOT = 3; // last active 5-minute slot
const F_LAST_IP = 4; // hash of the last source IP
const F_BASE_REQ = 5; // baseline counters (τ = 3 days)
const F_BASE_TOK = 6;
const F_DAY = 7; // UTC day of the `today` hour buckets
const F_PROFILE_DAYS = 8; // completed days folded into the profile
const F_COUNTERS = 16;
const F_PROFILE = F_COUNTERS + METRICS * NS; // 24 hour-of-day buckets, completed days, decayed
const F_TODAY = F_PROFILE + 24; // 24 buckets of the current UTC day
export const IP_SLOTS = 16;
export const UA_SLOTS = 8;
/** Recent networks (IPv4 /16, IPv6 /32): a key seen from many at once is used from many places. */
export const NET_SLOTS = 16;
const F_IP_SEEN = F_TODAY + 24; // last-seen time per recent IP
const F_UA_SEEN = F_IP_SEEN + IP_SLOTS;
const F_NET_SEEN = F_UA_SEEN + UA_SLOTS;
const F_SIZE = F_NET_SEEN + NET_SLOTS;

// Uint32 layout.
/** LSH table of recent prompts: 4 band hashes per prompt, about the last 128 prompts. */
export const BAND_SLOTS = 512;
export const TEMPLATE_SLOTS = 256;
const U_BANDS = 0;
const U_TEMPLATES = U_BANDS + BAND_SLOTS;
const U_IPS = U_TEMPLATES + TEMPLATE_SLOTS;
const U_UAS = U_IPS + IP_SLOTS;
const U_NETS = U_UAS + UA_SLOTS;
const U_SIZE = U_NETS + NET_SLOTS;

// Uint8 layout: HyperLogLogs.
const H_IPS = 0;
const H_UAS = H_IPS + HLL_REGISTERS;
const H_TEMPLATES = H_UAS + HLL_REGISTERS;
const H_MEMBERS = H_TEMPLATES + HLL_REGISTERS; // teams: distinct member keys
const H_SIZE = H_MEMBERS + HLL_REGISTERS;

export const STATE_BYTES = F_SIZE * 8 + U_SIZE * 4 + H_SIZE;

/** LSH banding of a 16-value MinHash signature: 4 bands × 4 rows (Leskovec et al., MMDS ch. 3). */
const BANDS = 4;
const ROWS = 4;

/** One request, reduced to what the state counts. Built from a SecurityEvent by `observe.ts`. */
export interface Observation {
  time: number;
  ip: number; // hashed, 0 when unknown
  /** Hashed network of the IP (`networkOf`), 0 when unknown. */
  net: number;
  ua: number;
  member: number; // hashed key id (for team states)
  tokensIn: number;
  tokensOut: number;
  harvest: boolean;
  temp0: boolean;
  maximal: boolean;
  minhash: readonly number[] | undefined;
  template: number;
  piiFindings: number;
  secretFindings: number;
  inject: boolean;
  sysPrompt: boolean;
  blocked: boolean;
  limited: boolean;
  /**
   * Requests this observation stands for: 1, or a penalty-box summary's `count` (refusals, which
   * carry no prompt, so only the request and refusal counters are weighed by it).
   */
  weight?: number;
}

export class IdentityState {
  readonly buffer: ArrayBuffer;
  readonly f: Float64Array;
  readonly u: Uint32Array;
  readonly h: Uint8Array;

  constructor(bytes?: Uint8Array) {
    this.buffer = new ArrayBuffer(STATE_BYTES);
    if (bytes) {
      if (bytes.byteLength !== STATE_BYTES)
        throw new Error(`analytics state of ${bytes.byteLength} bytes, expected ${STATE_BYTES}`);
      new Uint8Array(this.buffer).set(bytes);
    }
    this.f = new Float64Array(this.buffer, 0, F_SIZE);
    this.u = new Uint32Array(this.buffer, F_SIZE * 8, U_SIZE);
    this.h = new Uint8Array(this.buffer, F_SIZE * 8 + U_SIZE * 4, H_SIZE);
  }

  bytes(): Uint8Array {
    return new Uint8Array(this.buffer);
  }

  get lastTime(): number {
    return this.f[F_LAST]!;
  }
  get firstSeen(): number {
    return this.f[F_FIRST]!;
  }
  get total(): number {
    return this.f[F_TOTAL]!;
  }

  /** A counter decayed to `now` (reading never changes the state). */
  count(metric: number, scale: Scale, now = this.lastTime): number {
    const value = this.f[F_COUNTERS + metric * NS + scale]!;
    const dt = now - this.lastTime;
    return dt > 0 ? value * Math.exp(-dt / SCALES[scale]) : value;
  }

  /** Decays every counter to `now`. Events arriving slightly out of order count as `lastTime`. */
  advance(now: number): void {
    const f = this.f;
    if (f[F_TOTAL] === 0 && f[F_FIRST] === 0) {
      f[F_FIRST] = now;
      f[F_LAST] = now;
      return;
    }
    const dt = now - f[F_LAST]!;
    if (dt <= 0) return;
    for (let s = 0; s < NS; s++) {
      const k = Math.exp(-dt / SCALES[s]!);
      for (let m = 0; m < METRICS; m++) f[F_COUNTERS + m * NS + s]! *= k;
    }
    const kb = Math.exp(-dt / BASELINE_TAU);
    f[F_BASE_REQ]! *= kb;
    f[F_BASE_TOK]! *= kb;
    f[F_LAST] = now;
  }

  private add(metric: number, amount = 1): void {
    const base = F_COUNTERS + metric * NS;
    for (let s = 0; s < NS; s++) this.f[base + s]! += amount;
  }

  /** Folds the finished UTC days into the hour-of-day profile (decayed with τ = 7 days). */
  private rollDay(now: number): void {
    const f = this.f;
    const day = Math.floor(now / 86_400_000);
    const current = f[F_DAY]!;
    if (current === day) return;
    if (current !== 0 && day > current) {
      const k = Math.exp(-(day - current) / 7);
      let any = 0;
      for (let hr = 0; hr < 24; hr++) {
        any += f[F_TODAY + hr]!;
        f[F_PROFILE + hr] = f[F_PROFILE + hr]! * k + f[F_TODAY + hr]!;
        f[F_TODAY + hr] = 0;
      }
      if (any > 0) f[F_PROFILE_DAYS]! += 1;
    }
    f[F_DAY] = day;
  }

  /**
   * Whether `hour` (UTC) is unusual for this identity: under 2% of its activity on completed days
   * fell within an hour of it. Undefined while the profile is immature (under a day or 30 requests).
   */
  offHours(now: number): boolean | undefined {
    const f = this.f;
    if (f[F_PROFILE_DAYS]! < 1) return undefined;
    let sum = 0;
    for (let hr = 0; hr < 24; hr++) sum += f[F_PROFILE + hr]!;
    if (sum < 30) return undefined;
    const hour = Math.floor((now % 86_400_000) / 3_600_000);
    const near =
      f[F_PROFILE + hour]! + f[F_PROFILE + ((hour + 1) % 24)]! + f[F_PROFILE + ((hour + 23) % 24)]!;
    return near / sum < 0.02;
  }

  /** Requests per hour over the 3-day baseline, not counting the last ~2 h (so a burst does not raise its own bar). */
  baselinePerHour(now = this.lastTime): number | undefined {
    const age = now - this.firstSeen;
    if (age < 12 * 3_600_000) return undefined;
    const decay = Math.exp(-(now - this.lastTime) / BASELINE_TAU);
    const recent = this.count(M.req, 1, now);
    const older = Math.max(0, this.f[F_BASE_REQ]! * decay - recent);
    const span =
      BASELINE_TAU * (1 - Math.exp(-age / BASELINE_TAU)) - SCALES[1] * (1 - Math.exp(-age / SCALES[1]));
    return (older / Math.max(span, 3_600_000)) * 3_600_000;
  }

  distinctIps(): number {
    return this.hll(H_IPS);
  }
  distinctUas(): number {
    return this.hll(H_UAS);
  }
  distinctTemplates(): number {
    return this.hll(H_TEMPLATES);
  }
  members(): number {
    return this.hll(H_MEMBERS);
  }

  private hll(offset: number): number {
    return hllCount(this.h, offset);
  }

  /** Distinct IPs and user agents seen within `windowMs` of `now` (the recent sets, exact up to their size). */
  activeIps(now: number, windowMs: number): number {
    return this.active(F_IP_SEEN, U_IPS, IP_SLOTS, now, windowMs);
  }
  activeUas(now: number, windowMs: number): number {
    return this.active(F_UA_SEEN, U_UAS, UA_SLOTS, now, windowMs);
  }
  /** Distinct networks (IPv4 /16, IPv6 /32) seen within `windowMs` of `now`, up to NET_SLOTS. */
  activeNets(now: number, windowMs: number): number {
    return this.active(F_NET_SEEN, U_NETS, NET_SLOTS, now, windowMs);
  }

  private active(fOff: number, uOff: number, slots: number, now: number, windowMs: number): number {
    let n = 0;
    for (let i = 0; i < slots; i++) if (this.u[uOff + i] !== 0 && now - this.f[fOff + i]! <= windowMs) n++;
    return n;
  }

  /** Adds the hash to a recent set; true when it was not in it (a new IP or user agent). */
  private remember(fOff: number, uOff: number, slots: number, hash: number, now: number): boolean {
    let victim = -1;
    for (let i = 0; i < slots; i++) {
      const held = this.u[uOff + i];
      if (held === hash) {
        if (now > this.f[fOff + i]!) this.f[fOff + i] = now;
        return false;
      }
      if (held === 0) {
        if (victim < 0 || this.u[uOff + victim] !== 0) victim = i;
      } else if (victim < 0 || (this.u[uOff + victim] !== 0 && this.f[fOff + i]! < this.f[fOff + victim]!)) {
        victim = i;
      }
    }
    this.u[uOff + victim] = hash;
    this.f[fOff + victim] = now;
    return true;
  }

  /**
   * Counts one request. `novel` says whether its prompt was new to this identity; it is decided
   * here (the LSH table is part of the state) and returned for the caller's information.
   */
  observe(o: Observation, memberOfTeam = false): void {
    const f = this.f;
    const now = Math.max(o.time, f[F_LAST]!);
    const hadHistory = f[F_TOTAL]! > 0;
    this.advance(now);
    this.rollDay(now);
    const off = this.offHours(now);
    const w = o.weight ?? 1;
    f[F_TOTAL]! += w;
    f[F_BASE_REQ]! += w;
    f[F_BASE_TOK]! += o.tokensIn + o.tokensOut;
    const hour = Math.floor((now % 86_400_000) / 3_600_000);
    f[F_TODAY + hour]! += w;
    this.add(M.req, w);
    this.add(M.tokensIn, o.tokensIn);
    this.add(M.tokensOut, o.tokensOut);
    if (o.harvest) this.add(M.harvest);
    if (o.temp0) this.add(M.temp0);
    if (o.maximal) this.add(M.maximal);
    if (o.piiFindings > 0) this.add(M.piiReq);
    if (o.secretFindings > 0) this.add(M.secretReq);
    if (o.piiFindings + o.secretFindings > 0) this.add(M.piiItems, o.piiFindings + o.secretFindings);
    if (o.inject) this.add(M.inject);
    if (o.sysPrompt) this.add(M.sysPrompt);
    if (o.blocked) this.add(M.blocked);
    if (o.limited) this.add(M.limited, w);
    if (off === true) this.add(M.offHours, w);
    const slot = Math.floor(now / SLOT_MS);
    if (slot !== f[F_SLOT]) {
      f[F_SLOT] = slot;
      this.add(M.activeSlot);
    }
    if (memberOfTeam) {
      if (o.member) hllAdd(this.h, H_MEMBERS, o.member);
      return;
    }
    if (o.ip) {
      hllAdd(this.h, H_IPS, o.ip);
      if (this.remember(F_IP_SEEN, U_IPS, IP_SLOTS, o.ip, now)) this.add(M.newIp);
      const lastIp = f[F_LAST_IP]!;
      if (hadHistory && lastIp !== 0 && lastIp !== o.ip && this.activeIps(now, 60_000) >= 2)
        this.add(M.ipSwitch);
      f[F_LAST_IP] = o.ip;
    }
    if (o.net) this.remember(F_NET_SEEN, U_NETS, NET_SLOTS, o.net, now);
    if (o.ua) {
      hllAdd(this.h, H_UAS, o.ua);
      if (this.remember(F_UA_SEEN, U_UAS, UA_SLOTS, o.ua, now)) this.add(M.newUa);
    }
    if (o.template) {
      const t = o.template || 1;
      hllAdd(this.h, H_TEMPLATES, fmix(t));
      const known = tableHas(this.u, U_TEMPLATES, TEMPLATE_SLOTS, t);
      if (!known) {
        this.add(M.newTemplate);
        tablePut(this.u, U_TEMPLATES, TEMPLATE_SLOTS, t);
      }
      if (this.novelPrompt(o.minhash) && known) this.add(M.slotFill);
    } else {
      this.novelPrompt(o.minhash);
    }
  }

  /** Looks the prompt up in the LSH table, counts it when novel, and remembers it. */
  private novelPrompt(minhash: readonly number[] | undefined): boolean {
    if (!minhash || minhash.length < BANDS * ROWS) return false;
    let novel = true;
    const bands: number[] = [0, 0, 0, 0];
    for (let b = 0; b < BANDS; b++) {
      let h = 0x9e3779b9 ^ b;
      for (let r = 0; r < ROWS; r++) h = fmix(h ^ minhash[b * ROWS + r]!);
      h = h || 1;
      bands[b] = h;
      if (tableHas(this.u, U_BANDS, BAND_SLOTS, h)) novel = false;
    }
    for (const h of bands) tablePut(this.u, U_BANDS, BAND_SLOTS, h);
    if (novel) this.add(M.novel);
    return novel;
  }

  /**
   * Adds another replica's partial state for the same identity (Redis sharing): counters decay to
   * the later time and add, sketches take the union, recent sets keep the most recent entries.
   * Lossy tables (prompts, templates) keep this state's entries where both are set.
   */
  merge(other: IdentityState): void {
    const f = this.f;
    const g = other.f;
    if (g[F_TOTAL] === 0) return;
    if (f[F_TOTAL] === 0) {
      new Uint8Array(this.buffer).set(other.bytes());
      return;
    }
    const now = Math.max(f[F_LAST]!, g[F_LAST]!);
    this.advance(now);
    const copy = new IdentityState(other.bytes());
    copy.advance(now);
    const c = copy.f;
    for (let i = F_COUNTERS; i < F_PROFILE; i++) f[i]! += c[i]!;
    f[F_BASE_REQ]! += c[F_BASE_REQ]!;
    f[F_BASE_TOK]! += c[F_BASE_TOK]!;
    f[F_TOTAL]! += c[F_TOTAL]!;
    f[F_FIRST] = Math.min(f[F_FIRST]!, c[F_FIRST]!);
    // Hour profiles: align both on the later day, then add.
    const day = Math.max(f[F_DAY]!, c[F_DAY]!);
    this.rollDay(day * 86_400_000);
    copy.rollDay(day * 86_400_000);
    for (let i = F_PROFILE; i < F_TODAY + 24; i++) f[i]! += c[i]!;
    f[F_PROFILE_DAYS] = Math.max(f[F_PROFILE_DAYS]!, c[F_PROFILE_DAYS]!);
    for (let i = 0; i < H_SIZE; i++) if (copy.h[i]! > this.h[i]!) this.h[i] = copy.h[i]!;
    for (let i = U_BANDS; i < U_IPS; i++) if (this.u[i] === 0) this.u[i] = copy.u[i]!;
    for (let i = 0; i < IP_SLOTS; i++) {
      if (copy.u[U_IPS + i] !== 0)
        this.remember(F_IP_SEEN, U_IPS, IP_SLOTS, copy.u[U_IPS + i]!, c[F_IP_SEEN + i]!);
    }
    for (let i = 0; i < UA_SLOTS; i++) {
      if (copy.u[U_UAS + i] !== 0)
        this.remember(F_UA_SEEN, U_UAS, UA_SLOTS, copy.u[U_UAS + i]!, c[F_UA_SEEN + i]!);
    }
    for (let i = 0; i < NET_SLOTS; i++) {
      if (copy.u[U_NETS + i] !== 0)
        this.remember(F_NET_SEEN, U_NETS, NET_SLOTS, copy.u[U_NETS + i]!, c[F_NET_SEEN + i]!);
    }
  }
}
