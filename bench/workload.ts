/**
 * What every path is asked: chat completions whose prompts read like real traffic, the same bytes
 * for the mock, nginx and both Portcullis paths, so that only the path between them differs.
 *
 * The prompts are support questions in ordinary prose, built deterministically from request
 * number `i` (a ticket number and a pseudo-random choice and order of sentences), so no two
 * requests in a run carry the same text: a gateway that caches per text (token counts, detector
 * results) gets no help that real traffic would not give it. They contain no secret and no
 * personal data, so the default policy lets them through unchanged, except the `email` variant,
 * which names one address so that pseudonymisation has work to do. `test/bench/workload.test.ts`
 * checks all of this against the shipped default policy.
 */

export const CHAT_PATH = "/v1/chat/completions";
export const MODEL = "bench-chat";

/** Prompt variants: size of the whole request body in bytes, and whether it names an email address. */
export const PROMPTS = {
  "1k": { bytes: 1024, email: false, label: "1 KB prompt" },
  "8k": { bytes: 8192, email: false, label: "8 KB prompt" },
  email: { bytes: 1024, email: true, label: "1 KB prompt with an email address" },
} as const;
export type PromptId = keyof typeof PROMPTS;
export const PROMPT_IDS = Object.keys(PROMPTS) as PromptId[];

/** The application's own instructions: trusted by the gateway, and what a leak check compares answers with. */
export const SYSTEM_PROMPT =
  "You are the support assistant of Northwind Analytics, a hosted dashboard service. Answer in short " +
  "paragraphs, explain the likely cause first, then list the steps the customer can take.";

const OPENINGS = [
  "Hello, I am writing about ticket",
  "Hi support team, this is a follow-up on case",
  "Good morning, we still have the problem from request",
  "Hi there, I was asked to open a new thread for ticket",
];

/** Sentences of a support question. ASCII, no quotes or backslashes: characters are JSON bytes. */
const SENTENCES = [
  "Since the update last Tuesday our weekly sales dashboard takes several minutes to load, where it used to open in a few seconds.",
  "The slow part seems to be the chart that groups orders by region and product line.",
  "We have about forty people on the team who open it every Monday morning, so the delay is noticed quickly.",
  "Smaller dashboards in the same workspace still load at the usual speed.",
  "I tried clearing the browser cache and signing out and back in, but nothing changed.",
  "The same thing happens in Firefox and in Chrome, on both office and home connections.",
  "When I export the chart to a spreadsheet, the export stops at about eighty percent and then shows a generic error.",
  "Our data source is a warehouse table that is refreshed every night around two in the morning.",
  "The refresh itself reports success in the job history, and the row counts look right.",
  "We did add three new columns to the orders table at the end of last month, in case that matters.",
  "One of my colleagues noticed that the filter panel shows regions that were merged a year ago.",
  "Could the old regions be kept in a cache somewhere that the new columns do not match?",
  "We would prefer not to rebuild the dashboard from scratch, because it has many custom formulas.",
  "Is there a way to see which query takes the most time when the page loads?",
  "I looked for a query log in the workspace settings but could only find the audit trail.",
  "If it helps, the problem started before we changed the sharing settings, not after.",
  "Our finance team relies on this report for the monthly close, which starts next week.",
  "A workaround for the next two weeks would already be a big help while you investigate.",
  "We are on the business plan with the extended history option enabled.",
  "The dashboard uses a date range of the last ninety days and compares it with the same period last year.",
  "When I shorten the range to thirty days, the page loads in under a minute, which is still slow.",
  "Scheduled email reports of the same dashboard arrive late as well, sometimes by an hour.",
  "Other customers in our industry group mentioned similar delays, so it may not be only us.",
  "Please let me know which details or screenshots you need from our side.",
  "I can also arrange a short call with our data engineer if that is easier.",
  "We checked the status page and there was no incident listed for the days in question.",
  "The mobile app shows the same dashboard without delay, but only the summary tiles.",
  "Our administrator confirmed that no new permissions or row level rules were added recently.",
  "Would moving the nightly refresh to an earlier hour make any difference?",
  "We also noticed that the totals in the footer are rounded differently than before the update.",
  "It would be good to know whether the change in rounding is intended or a side effect.",
  "Thank you for looking into this, and sorry for the long description.",
];

const COLLEAGUE_EMAILS = [
  "jordan.lee@example.com",
  "sam.okafor@example.org",
  "alex.moreau@example.net",
  "taylor.kim@example.com",
];

/** A small seeded generator (mulberry32): the same request number gives the same prompt everywhere. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Prose of exactly `length` characters for request `i`: an opening, then shuffled sentences. */
export function promptText(i: number, length: number, email: boolean): string {
  const next = random(i * 2654435761 + length);
  const parts = [`${OPENINGS[i % OPENINGS.length]} ${100_000 + (i % 900_000)}.`];
  if (email) {
    const address = COLLEAGUE_EMAILS[i % COLLEAGUE_EMAILS.length];
    parts.push(`Please copy my colleague ${address} on your reply, she maintains the dashboard.`);
  }
  let size = parts[0]!.length;
  let bag: string[] = [];
  while (size < length) {
    if (bag.length === 0) bag = [...SENTENCES];
    const sentence = bag.splice(Math.floor(next() * bag.length), 1)[0]!;
    parts.push(sentence);
    size += sentence.length + 1;
  }
  const text = parts.join(" ");
  // Cut at the last word boundary and pad with spaces, so no word is left half-written.
  const cut = text.lastIndexOf(" ", length);
  return (cut > 0 ? text.slice(0, cut) : text.slice(0, length)).padEnd(length, " ");
}

/** Request `i` of a variant: a chat body of exactly `PROMPTS[id].bytes` bytes. */
export function chatBody(id: PromptId, stream: boolean, i: number): string {
  const { bytes, email } = PROMPTS[id];
  const skeleton = (content: string) =>
    JSON.stringify({
      model: MODEL,
      messages: [
        { role: "system", content: SYSTEM_PROMPT },
        { role: "user", content },
      ],
      max_tokens: 400,
      ...(stream ? { stream: true } : {}),
    });
  return skeleton(promptText(i, bytes - skeleton("").length, email));
}

/**
 * The mock provider's answer: ordinary support prose of a few hundred characters, with a plain
 * documentation link, so that output inspection (secrets, system-prompt leaks, exfiltration links)
 * reads a realistic answer and finds nothing to act on.
 */
export const ANSWER =
  "Thanks for the detailed report. From what you describe, the dashboard slows down because the " +
  "regional chart still queries the merged regions, and the new columns in the orders table force a " +
  "full scan instead of using the nightly summary. Here is what usually resolves it. First, open the " +
  "chart settings and remove the old regions from the saved filter. Second, rebuild the summary for the " +
  "orders table from the data source page, which takes a few minutes. Third, reload the dashboard and " +
  "check the export again. The troubleshooting guide at https://docs.northwind.example/dashboards/slow-charts " +
  "explains each step with screenshots. If the page is still slow tomorrow, reply with the time of the " +
  "last slow load and we will look at the query history together.";

/** The answer cut at word boundaries into about `pieces` stream deltas (real providers send many). */
export function answerChunks(pieces = 16): string[] {
  const target = Math.ceil(ANSWER.length / pieces);
  const chunks: string[] = [];
  let start = 0;
  while (start < ANSWER.length) {
    let end = Math.min(ANSWER.length, start + target);
    while (end < ANSWER.length && ANSWER[end] !== " ") end++;
    chunks.push(ANSWER.slice(start, end));
    start = end;
  }
  return chunks;
}

/** A path under test: where to send the request and with which headers. */
export interface Target {
  /** `a`, `b`, `c` as issue 2 names them; `d` is Portcullis with the default guards (issue 4). */
  id: PathId;
  label: string;
  origin: string;
  headers: Record<string, string>;
}

export const PATH_IDS = ["a", "b", "c", "d"] as const;
export type PathId = (typeof PATH_IDS)[number];

export function requestHeaders(apiKey: string): Record<string, string> {
  return { "content-type": "application/json", authorization: `Bearer ${apiKey}` };
}
