import { ALPHA, B62, B64URL, DIGITS, HEX, UPPER_NUM, UUID, sample, tc, type SecretRule } from "../rule.js";

const S = (a: string, n: number, seed: string) => sample(a, n, seed);

/** Chat and social platforms: Slack, Discord, Telegram, Microsoft Teams, Twitter/X, Facebook, … */
export const chatRules: SecretRule[] = [
  {
    id: "slack.token",
    kind: "slack_token",
    description: "Slack bot (xoxb-), user (xoxp-), app-level (xapp-), configuration (xoxe.) or legacy token",
    pattern:
      /(?<![\w-])(?:xox[abeoprs]-(?:\d{8,14}-){1,3}[A-Za-z0-9]{20,64}|xox[abeoprs]-[A-Za-z0-9-]{20,200}|xapp-\d-[A-Z0-9]{8,12}-\d{10,14}-[a-f0-9]{64}|xoxe\.xox[bp]-1-[A-Za-z0-9]{100,200}|xoxe-1-[A-Za-z0-9]{100,200})(?![\w-])/g,
    keywords: ["xoxa-", "xoxb-", "xoxe", "xoxo-", "xoxp-", "xoxr-", "xoxs-", "xapp-"],
    severity: "critical",
    entropy: 3,
    tp: [
      tc(
        `SLACK_BOT_TOKEN=xoxb-${S(DIGITS, 12, "sl1")}-${S(DIGITS, 13, "sl2")}-${S(B62, 24, "sl3")}`,
        "bot token",
      ),
      tc(
        `xoxp-${S(DIGITS, 11, "sl4")}-${S(DIGITS, 11, "sl5")}-${S(DIGITS, 12, "sl6")}-${S(HEX, 32, "sl7")}`,
        "user token",
      ),
      tc(
        `xapp-1-A${S(UPPER_NUM, 10, "sl8")}-${S(DIGITS, 13, "sl9")}-${S(HEX, 64, "sla")}`,
        "app-level token",
      ),
    ],
    fp: [tc("xoxb-your-token-here", "placeholder"), tc("xoxb-", "prefix only")],
  },
  {
    id: "slack.webhook",
    kind: "slack_webhook_url",
    description: "Slack incoming webhook or workflow trigger URL",
    pattern:
      /https:\/\/hooks\.slack\.com\/(?:services\/T[A-Z0-9]{8,12}\/B[A-Z0-9]{8,12}\/[A-Za-z0-9]{20,32}|workflows\/T[A-Z0-9]{8,12}\/A[A-Z0-9]{8,12}\/\d{15,20}\/[A-Za-z0-9]{20,32}|triggers\/T[A-Z0-9]{8,12}\/\d{10,20}\/[a-f0-9]{32})/g,
    keywords: ["hooks.slack.com"],
    severity: "high",
    tp: [
      tc(
        `webhook: https://hooks.slack.com/services/T${S(UPPER_NUM, 10, "sw1")}/B${S(UPPER_NUM, 10, "sw2")}/${S(B62, 24, "sw3")}`,
        "incoming webhook",
      ),
    ],
    fp: [tc("https://hooks.slack.com/services/T000/B000/XXXX", "documentation placeholder")],
  },
  {
    id: "discord.bot_token",
    kind: "discord_bot_token",
    description: "Discord bot token (base64 user id . timestamp . HMAC)",
    pattern: /(?<![\w.-])[MNO][A-Za-z\d_-]{23,27}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,38}(?![\w.-])/g,
    keywords: ["discord", "bot", "token"],
    severity: "critical",
    entropy: 4,
    tp: [
      tc(`DISCORD_TOKEN=MT${S(B62, 24, "dc1")}.${S(B64URL, 6, "dc2")}.${S(B64URL, 38, "dc3")}`, "bot token"),
    ],
    fp: [tc("token: M.abc.def", "too short")],
  },
  {
    id: "discord.webhook",
    kind: "discord_webhook_url",
    description: "Discord webhook URL (id and token)",
    pattern:
      /https:\/\/(?:ptb\.|canary\.)?discord(?:app)?\.com\/api\/webhooks\/\d{17,20}\/[A-Za-z0-9_-]{60,68}/g,
    keywords: ["discord"],
    severity: "high",
    tp: [tc(`https://discord.com/api/webhooks/${S(DIGITS, 18, "dw1")}/${S(B64URL, 68, "dw2")}`, "webhook")],
    fp: [tc("https://discord.com/api/webhooks/{id}/{token}", "template")],
  },
  {
    id: "telegram.bot_token",
    kind: "telegram_bot_token",
    description: "Telegram Bot API token (bot id : 35-character secret starting AA)",
    // The secret part is 35 characters; it usually starts "AA", otherwise a Telegram word must be near.
    pattern: /(?<![\w:])\d{8,10}:[A-Za-z0-9_-]{33,35}(?![\w-])/g,
    keywords: [":aa", "telegram", "tgram", "bot"],
    validate: (s, text, i) =>
      /^\d+:AA/.test(s) || /telegram|tgram|bot/i.test(text.slice(Math.max(0, i - 60), i)) ? 0.9 : false,
    severity: "critical",
    tp: [tc(`TELEGRAM_BOT_TOKEN=${S(DIGITS, 10, "tg1")}:AA${S(B64URL, 33, "tg2")}`, "env")],
    fp: [tc("12345678:AAbc", "too short")],
  },
  {
    id: "microsoft.teams_webhook",
    kind: "teams_webhook_url",
    description:
      "Microsoft Teams incoming webhook URL (webhook.office.com / outlook.office.com IncomingWebhook)",
    pattern:
      /https:\/\/(?:[a-z0-9-]+\.webhook\.office\.com\/webhookb2|outlook\.office(?:365)?\.com\/webhook)\/[0-9a-f-]{36}@[0-9a-f-]{36}\/IncomingWebhook\/[0-9a-f]{32}\/[0-9a-f-]{36}(?:\/[A-Za-z0-9_-]{40,60})?/g,
    keywords: ["incomingwebhook"],
    severity: "high",
    tp: [
      tc(
        `https://contoso.webhook.office.com/webhookb2/${UUID("tm1")}@${UUID("tm2")}/IncomingWebhook/${S(HEX, 32, "tm3")}/${UUID("tm4")}`,
        "webhook",
      ),
    ],
    fp: [
      tc(
        `https://outlook.office.com/webhook/${UUID("tm5")}@${UUID("tm6")}/JenkinsCI/${S(HEX, 32, "tm7")}/${UUID("tm8")}`,
        "connector URL, not an incoming webhook",
      ),
    ],
  },
  {
    id: "microsoft.power_automate_webhook",
    kind: "power_automate_webhook_url",
    description: "Power Automate / Logic Apps HTTP trigger URL with its sig= signature",
    pattern:
      /https:\/\/[a-z0-9.-]+\.logic\.azure\.com(?::443)?\/workflows\/[a-f0-9]{32}\/triggers\/[^\s"']{1,200}?sig=[A-Za-z0-9_%-]{40,60}/g,
    keywords: ["logic.azure.com"],
    severity: "high",
    tp: [
      tc(
        `https://prod-01.westus.logic.azure.com:443/workflows/${S(HEX, 32, "pa1")}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${S(B64URL, 43, "pa2")}`,
        "flow trigger",
      ),
    ],
    fp: [tc("https://prod-01.westus.logic.azure.com/workflows/", "no trigger")],
  },
  {
    id: "twitter.bearer_token",
    kind: "twitter_bearer_token",
    description: "Twitter/X app-only bearer token (22 A's then URL-encoded base64)",
    pattern: /(?<![\w])A{22}[A-Za-z0-9%]{30,120}(?![\w%])/g,
    keywords: ["aaaaaaaaaaaaaaaaaaaaaa"],
    severity: "high",
    fakeCheck: false,
    entropy: 3,
    tp: [tc(`TWITTER_BEARER_TOKEN=${"A".repeat(22)}${S(B62, 20, "tw1")}%3D${S(B62, 50, "tw2")}`, "env")],
    fp: [tc("A".repeat(60), "filler")],
  },
  {
    id: "facebook.access_token",
    kind: "facebook_access_token",
    description: "Meta/Facebook Graph API access token (EAA… user/page/app tokens)",
    pattern: /(?<![\w])EAA[BCDGIQUZ][A-Za-z0-9]{80,300}(?![\w])/g,
    keywords: ["eaab", "eaac", "eaad", "eaag", "eaai", "eaaq", "eaau", "eaaz"],
    severity: "high",
    entropy: 4,
    tp: [tc(`FB_PAGE_TOKEN=EAAG${S(B62, 180, "fb1")}`, "page token")],
    fp: [tc("EAAGLE", "word")],
  },
  {
    id: "facebook.app_secret",
    kind: "facebook_app_secret",
    description: "Facebook app secret (32 hex) next to a Facebook name",
    pattern: /(?:facebook|fb)[\w.-]{0,20}?secret["']?[ \t]{0,3}[:=][ \t]{0,3}["']?([a-f0-9]{32})(?![\w])/gi,
    group: 1,
    keywords: ["facebook", "fb_", "fb."],
    severity: "high",
    tp: [tc(`FACEBOOK_APP_SECRET=${S(HEX, 32, "fbs1")}`, "env")],
    fp: [tc("FACEBOOK_APP_ID=123456789012345", "app id")],
  },
  {
    id: "twitch.token",
    kind: "twitch_token",
    description: "Twitch OAuth token or client secret (30 lower-case alphanumerics) next to a Twitch name",
    pattern: /twitch[\w.-]{0,30}?["']?[ \t]{0,3}[:=][ \t]{0,3}["']?(?:oauth:)?([a-z0-9]{30})(?![\w])/gi,
    group: 1,
    keywords: ["twitch"],
    severity: "high",
    entropy: 3.5,
    tp: [tc(`TWITCH_OAUTH=oauth:${S("abcdefghijklmnopqrstuvwxyz0123456789", 30, "tw3")}`, "chat bot token")],
    fp: [tc("stream_url: rtmp://live.twitch.tv/app/STREAM_KEY", "placeholder")],
  },
  {
    id: "twitch.stream_key",
    kind: "twitch_stream_key",
    description: "Twitch stream key (live_<channel id>_<30 characters>)",
    pattern: /(?<![\w])live_\d{6,12}_[A-Za-z0-9]{30}(?![\w])/g,
    keywords: ["live_"],
    severity: "high",
    entropy: 3.5,
    tp: [tc(`obs stream key: live_${S(DIGITS, 9, "tws1")}_${S(B62, 30, "tws2")}`, "OBS settings")],
    fp: [tc("live_stream_enabled = true", "setting name")],
  },
  {
    id: "line.channel_token",
    kind: "line_token",
    description: "LINE Messaging API channel access token (long base64) next to a LINE name",
    pattern:
      /line[\w.-]{0,30}?(?:token|secret)["']?[ \t]{0,3}[:=\s][ \t]{0,3}["']?([A-Za-z0-9+/=]{40,200})(?![\w+/=])/gi,
    group: 1,
    keywords: ["line"],
    severity: "high",
    entropy: 4,
    tp: [tc(`LINE_CHANNEL_ACCESS_TOKEN=${S(B62, 120, "ln1")}=`, "env")],
    fp: [tc("line_token_count = 12", "number")],
  },
  {
    id: "mattermost.token",
    kind: "mattermost_token",
    description: "Mattermost personal access token (26 lower-case alphanumerics) next to a Mattermost name",
    pattern: /mattermost[\w.-]{0,30}?["']?[ \t]{0,3}[:=][ \t]{0,3}["']?([a-z0-9]{26})(?![\w])/gi,
    group: 1,
    keywords: ["mattermost"],
    severity: "high",
    entropy: 3.5,
    tp: [tc(`MATTERMOST_TOKEN=${S("abcdefghijklmnopqrstuvwxyz0123456789", 26, "mm1")}`, "env")],
    fp: [tc("MATTERMOST_URL=https://chat.example.com", "URL")],
  },
  {
    id: "zoom.jwt_secret_placeholder_guard",
    kind: "zoom_secret",
    description: "Zoom API/SDK secret (32+ alphanumerics) next to a Zoom secret name",
    pattern: /zoom[\w.-]{0,20}?secret["']?[ \t]{0,3}[:=][ \t]{0,3}["']?([A-Za-z0-9]{32,40})(?![\w])/gi,
    group: 1,
    keywords: ["zoom"],
    severity: "high",
    entropy: 3.5,
    tp: [tc(`ZOOM_CLIENT_SECRET=${S(ALPHA + "0123456789", 32, "zm1")}`, "env")],
    fp: [tc("ZOOM_CLIENT_SECRET=", "empty")],
  },
];
