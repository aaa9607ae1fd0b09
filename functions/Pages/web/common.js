// Shared by the console (/) and the member live room (/live/{id}): language, API calls, times in the chain's
// time zone, money, small DOM helpers and the live-room connection. Plain browser JavaScript, no build step.
"use strict";

(function () {
  const strings = { zh: {}, en: {} };
  let lang = localStorage.getItem("sc.lang") === "en" ? "en" : "zh";
  let timeZone = "Asia/Shanghai";

  const SC = {};
  window.SC = SC;

  // ---- language -------------------------------------------------------------------------------------------------

  /** Registers a page's strings: { zh: {key: text}, en: {key: text} }. Text may hold {name} placeholders. */
  SC.addStrings = function (more) {
    Object.assign(strings.zh, more.zh || {});
    Object.assign(strings.en, more.en || {});
  };

  SC.lang = () => lang;

  /** The text for key in the current language ({name} filled from vars); falls back to Chinese, then the key. */
  SC.t = function (key, vars) {
    let text = strings[lang][key] ?? strings.zh[key] ?? key;
    if (vars) {
      text = text.replace(/\{(\w+)\}/g, (m, name) => (vars[name] ?? m));
    }
    return text;
  };

  /** Fills [data-i18n] (text), [data-i18n-placeholder], [data-i18n-aria-label] and [data-i18n-title] under root. */
  SC.translate = function (root) {
    root = root || document;
    root.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = SC.t(el.dataset.i18n); });
    root.querySelectorAll("[data-i18n-placeholder]").forEach((el) => { el.placeholder = SC.t(el.dataset.i18nPlaceholder); });
    root.querySelectorAll("[data-i18n-aria-label]").forEach((el) => { el.setAttribute("aria-label", SC.t(el.dataset.i18nAriaLabel)); });
    root.querySelectorAll("[data-i18n-title]").forEach((el) => { el.title = SC.t(el.dataset.i18nTitle); });
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  };

  const languageListeners = [];

  /** Called after the language changes (re-render what is built from data). */
  SC.onLanguageChange = (fn) => languageListeners.push(fn);

  SC.setLang = function (next) {
    lang = next === "en" ? "en" : "zh";
    localStorage.setItem("sc.lang", lang);
    SC.translate();
    languageListeners.forEach((fn) => fn(lang));
  };

  /** Wires a button (id lang-toggle) that switches 中文 ⇄ English. */
  SC.bindLanguageToggle = function (button) {
    const label = () => { button.textContent = lang === "zh" ? "English" : "中文"; };
    label();
    button.addEventListener("click", () => { SC.setLang(lang === "zh" ? "en" : "zh"); label(); });
  };

  SC.addStrings({
    zh: {
      "error.network": "网络连接失败，请检查网络后重试。",
      "error.unknown": "出错了（{status}），请稍后重试。",
      "phase.draft": "草稿", "phase.preheat": "预热中", "phase.live": "直播中", "phase.closed": "已截单",
      "phase.fulfilling": "履约中", "phase.followUp": "回访中", "phase.completed": "已完成", "phase.cancelled": "已取消",
      "status.placed": "已下单", "status.confirmed": "已成团", "status.cancelled": "已取消", "status.pickedUp": "已自提",
      "status.dispatched": "配送中", "status.delivered": "已送达",
      "live.connected": "已连接直播间", "live.reconnecting": "正在重新连接…", "live.disconnected": "连接已断开，正在重试…",
      "common.yuan": "¥{amount}",
      "error.validation": "请按提示修改：",
      "field.title": "请填写开团标题（80 字以内）。",
      "field.storeId": "请选择门店。",
      "field.leaderId": "请选择这家门店的团长。",
      "field.items": "请至少添加 1 个商品。",
      "field.items.productId": "请选择商品；同一商品在一场开团里只能出现一次。",
      "field.items.priceFen": "团购价需大于 0 元。",
      "field.items.livePriceFen": "直播价需大于 0，且不高于团购价。",
      "field.items.memberPriceFen": "会员价需大于 0，且低于团购价。",
      "field.items.stock": "库存需在 1 到 100000 之间。",
      "field.items.minGroupSize": "成团数量至少为 1，且不超过库存。",
      "field.items.perMemberLimit": "每人限购至少为 1，且不超过库存。",
      "field.preheatAt": "预热时间不能晚于直播开始。",
      "field.liveStartAt": "请填写直播开始时间。",
      "field.liveEndAt": "直播结束需晚于开始，一场直播最长 24 小时。",
      "field.pickupUntil": "自提截止需晚于直播结束。",
      "field.followUpAfterHours": "回访延后小时数需在 0 到 720 之间。",
      "field.followUpWindowHours": "回访时长需大于 0，最多 720 小时。",
      "field.name": "请填写名称，不要超过长度限制。",
      "field.phone": "请填写大陆手机号，例如 13812341234。",
      "field.address": "请填写地址（200 字以内）。",
      "field.category": "请填写品类（30 字以内）。",
      "field.unit": "请填写单位，如“盒”“斤”（10 字以内）。",
      "field.timeZone": "请填写有效的时区，例如 Asia/Shanghai。",
      "field.text": "请填写内容，不要超过长度限制。",
      "field.question": "请填写投票问题（100 字以内）。",
      "field.options": "投票需要 2–6 个互不相同的选项。",
      "field.quantity": "请填写数量。",
      "field.durationSeconds": "持续时间需在 10 到 3600 秒之间。",
      "field.satisfaction": "请选择 1–5 分。",
      "field.nps": "请选择 0–10 分。",
      "field.rating": "请选择 1–5 星。",
      "field.photoCount": "照片最多 9 张。",
    },
    en: {
      "error.network": "Could not reach the server. Check the connection and try again.",
      "error.unknown": "Something went wrong ({status}). Please try again.",
      "phase.draft": "Draft", "phase.preheat": "Preheat", "phase.live": "Live", "phase.closed": "Closed",
      "phase.fulfilling": "Fulfilling", "phase.followUp": "Follow-up", "phase.completed": "Completed", "phase.cancelled": "Cancelled",
      "status.placed": "Placed", "status.confirmed": "Confirmed", "status.cancelled": "Cancelled", "status.pickedUp": "Picked up",
      "status.dispatched": "Dispatched", "status.delivered": "Delivered",
      "live.connected": "Connected to the live room", "live.reconnecting": "Reconnecting…", "live.disconnected": "Disconnected, retrying…",
      "common.yuan": "¥{amount}",
    },
  });

  SC.phaseLabel = (phase) => SC.t("phase." + phase);
  SC.statusLabel = (status) => SC.t("status." + status);

  // ---- API ------------------------------------------------------------------------------------------------------

  /** An API failure: status, the problem+json code (API.md), and a message a person can act on. */
  class ApiError extends Error {
    constructor(status, problem) {
      super((problem && (problem.detail || problem.title)) || SC.t("error.unknown", { status }));
      this.status = status;
      this.code = problem && problem.code;
      this.problem = problem || {};
      // Field errors from `validation` problems: { field: [messages] }.
      this.errors = (problem && problem.errors) || {};
    }
  }
  SC.ApiError = ApiError;

  /**
   * Calls the API. options: { body (JSON), raw (Blob/ArrayBuffer body), token, idempotencyKey, headers, accept }.
   * Resolves with parsed JSON (or text for non-JSON answers, null for 204); rejects with ApiError.
   */
  SC.api = async function (method, path, options) {
    options = options || {};
    const headers = Object.assign({}, options.headers || {});
    if (options.token) headers["Authorization"] = "Bearer " + options.token;
    if (options.idempotencyKey) headers["Idempotency-Key"] = options.idempotencyKey;
    if (options.accept) headers["Accept"] = options.accept;
    let body;
    if (options.raw !== undefined) {
      body = options.raw;
    } else if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.body);
    }
    let response;
    try {
      response = await fetch(path, { method, headers, body });
    } catch (e) {
      throw new ApiError(0, { title: SC.t("error.network"), detail: SC.t("error.network") });
    }
    if (options.blob && response.ok) return response.blob();
    const type = response.headers.get("Content-Type") || "";
    const parsed = response.status === 204 ? null
      : type.includes("json") ? await response.json().catch(() => null)
      : await response.text();
    if (!response.ok) {
      const error = new ApiError(response.status, typeof parsed === "object" ? parsed : null);
      error.retryAfter = Number(response.headers.get("Retry-After")) || undefined;
      throw error;
    }
    return parsed;
  };

  /** A fresh Idempotency-Key (one per user intent; reuse it when retrying that intent). */
  SC.newKey = () => (crypto.randomUUID ? crypto.randomUUID() : Date.now().toString(36) + Math.random().toString(36).slice(2));

  /**
   * A field's validation message in the page's language: the API explains in English; for the fields people fill in,
   * the pages carry their own words ("field.<name>", item indexes dropped: items[0].stock → field.items.stock).
   */
  SC.fieldMessage = function (field, apiMessage) {
    const key = "field." + String(field).replace(/\[\d+\]/g, "");
    return strings[lang][key] ?? apiMessage;
  };

  /** Shows an error in element el (role=alert) and, for validation problems, next to the named fields of form. */
  SC.showError = function (el, error, form) {
    if (form) form.querySelectorAll(".field-error").forEach((e) => e.remove());
    if (!error) { el.textContent = ""; el.hidden = true; return; }
    el.hidden = false;
    const fields = error.errors ? Object.keys(error.errors) : [];
    el.textContent = error.code === "validation" && fields.length && strings[lang]["error.validation"]
      ? SC.t("error.validation") + " " + fields.map((f) => error.errors[f].map((m) => SC.fieldMessage(f, m)).join(" ")).join(" ")
      : error.message || String(error);
    if (form && error.errors) {
      for (const [field, messages] of Object.entries(error.errors)) {
        const input = form.querySelector(`[name="${CSS.escape(field)}"]`);
        if (input) {
          const note = SC.el("div", { class: "field-error", role: "alert" }, [...new Set(messages.map((m) => SC.fieldMessage(field, m)))].join(" "));
          input.insertAdjacentElement("afterend", note);
          input.setAttribute("aria-invalid", "true");
        }
      }
    }
  };

  // ---- time and money -------------------------------------------------------------------------------------------

  SC.setTimeZone = (tz) => { if (tz) timeZone = tz; };
  SC.timeZone = () => timeZone;

  /** An ISO instant shown in the chain's time zone, e.g. 2026-11-22 19:30. */
  SC.formatTime = function (iso, withSeconds) {
    if (!iso) return "";
    const d = new Date(iso);
    const parts = partsIn(d, timeZone);
    const text = `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
    return withSeconds ? text + ":" + parts.second : text;
  };

  /** Value for <input type=datetime-local> showing the instant in the chain's time zone. */
  SC.toLocalInput = function (iso) {
    const p = partsIn(new Date(iso), timeZone);
    return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
  };

  /** The ISO UTC instant for a datetime-local value read as wall time in the chain's time zone. */
  SC.fromLocalInput = function (value) {
    if (!value) return null;
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
    if (!m) return null;
    const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
    // Offset of the zone at that instant; a second pass settles DST edges.
    let utc = wall - offsetAt(wall, timeZone);
    utc = wall - offsetAt(utc, timeZone);
    return new Date(utc).toISOString();
  };

  function partsIn(date, tz) {
    const f = new Intl.DateTimeFormat("en-CA", {
      timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
    });
    const out = {};
    for (const p of f.formatToParts(date)) out[p.type] = p.value;
    return out;
  }

  function offsetAt(utcMillis, tz) {
    const p = partsIn(new Date(utcMillis), tz);
    const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
    return asUtc - Math.floor(utcMillis / 1000) * 1000;
  }

  /** Integer fen → "12.50". */
  SC.yuan = (fen) => (Number(fen || 0) / 100).toFixed(2);
  /** Integer fen → "¥12.50". */
  SC.money = (fen) => SC.t("common.yuan", { amount: SC.yuan(fen) });
  /** "12.5" (yuan, as typed) → 1250 fen, or NaN. */
  SC.toFen = (text) => {
    const v = String(text ?? "").trim();
    if (!/^\d+(\.\d{1,2})?$/.test(v)) return NaN;
    return Math.round(parseFloat(v) * 100);
  };

  /** "mm:ss" left until iso (0 when past). */
  SC.countdown = function (iso) {
    const left = Math.max(0, Math.round((new Date(iso).getTime() - Date.now()) / 1000));
    return `${String(Math.floor(left / 60)).padStart(2, "0")}:${String(left % 60).padStart(2, "0")}`;
  };

  // ---- DOM ------------------------------------------------------------------------------------------------------

  /** SC.el("button", {class: "x", onclick: fn, dataset: {id: 1}}, "text", child...) */
  SC.el = function (tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
      else if (k === "dataset") Object.assign(el.dataset, v);
      else if (k === "class") el.className = v;
      else if (v === true) el.setAttribute(k, "");
      else el.setAttribute(k, v);
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  };

  /** Replaces el's children. */
  SC.fill = (el, ...children) => { el.replaceChildren(); children.flat().forEach((c) => c != null && el.append(c instanceof Node ? c : String(c))); };

  /** A short status message in a live region (#toast if present). */
  SC.toast = function (text) {
    const box = document.getElementById("toast");
    if (!box) return;
    box.textContent = text;
    box.hidden = false;
    clearTimeout(SC.toast.timer);
    SC.toast.timer = setTimeout(() => { box.hidden = true; }, 4000);
  };

  /**
   * Reads race with live events: what an event brought after a read was issued is newer than that read, and wins.
   * touched(key) when an event changes something; newerThan(key, issued) when a read issued at performance.now() =
   * issued comes back.
   */
  /**
   * Which is newer, a read of the campaign or a live event? Both carry `seq`, the campaign's event sequence (API.md):
   * of two values of one thing the higher seq saw more, whichever instance sent it and whatever order they arrive in.
   * Keys name the thing ("stock:i1", "phase", "flash:…"). take(key, seq): an event may be shown (not older than what
   * is shown; recorded). newerThan(key, seq): an event newer than this read was shown (keep it). read(key, seq): a
   * read's value is shown.
   */
  SC.seqClock = function () {
    const seen = new Map();
    const known = (key) => (seen.has(key) ? seen.get(key) : -1);
    return {
      take: (key, seq) => {
        if (typeof seq !== "number") return true;
        if (known(key) > seq) return false;
        seen.set(key, seq);
        return true;
      },
      newerThan: (key, seq) => typeof seq === "number" && known(key) > seq,
      read: (key, seq) => { if (typeof seq === "number" && known(key) <= seq) seen.set(key, seq); },
    };
  };

  /** For reads without a seq (comments, polls): an event that arrived after the read was issued is newer. */
  SC.eventClock = function () {
    const at = new Map();
    return {
      touched: (key) => { at.set(key, performance.now()); },
      newerThan: (key, issued) => (at.get(key) || 0) > issued,
    };
  };

  // ---- live room connection ---------------------------------------------------------------------------------------

  /**
   * Joins a campaign's live room: negotiate (with the member token or leader key when given, else anonymous), connect
   * with the SignalR browser client (the open connection is what the viewer count counts). handlers: { eventName: fn(payload) } for API.md events (and
   * "notification", "connected"); onStatus(state) gets "connected"/"reconnecting"/"disconnected"; onResync() runs
   * after every (re)connection so the page reloads state it may have missed. Returns { stop() }.
   */
  SC.connectLive = function (campaignId, options) {
    options = options || {};
    let connection = null;
    let stopped = false;
    let retry = 0;
    const status = (s) => options.onStatus && options.onStatus(s);

    async function start() {
      if (stopped) return;
      try {
        const n = await SC.api("POST", "/api/live/negotiate?campaignId=" + encodeURIComponent(campaignId), { token: options.token });
        connection = new signalR.HubConnectionBuilder()
          .withUrl(n.url, { accessTokenFactory: () => n.accessToken })
          .withAutomaticReconnect([0, 2000, 5000, 10000])
          .configureLogging(signalR.LogLevel.Warning)
          .build();
        for (const [name, fn] of Object.entries(options.handlers || {})) connection.on(name, fn);
        // The embedded hub greets a connection ("connected") once it is in its room's group: only then is no event
        // missed, so only then do we report "connected" and reload state. The SignalR Service adds the group at
        // negotiate and sends no greeting: a short wait stands in for it.
        let greeted = () => {};
        const greeting = new Promise((resolve) => { greeted = resolve; });
        let resyncPending = false;
        const ready = () => {
          if (!resyncPending) return;
          resyncPending = false;
          status("connected");
          options.onResync && options.onResync();
        };
        connection.on("connected", () => { greeted(); ready(); });
        connection.onreconnecting(() => status("reconnecting"));
        connection.onreconnected(() => { resyncPending = true; setTimeout(ready, 3000); });
        connection.onclose(() => { if (!stopped) { status("disconnected"); later(); } });
        await connection.start();
        await Promise.race([greeting, new Promise((resolve) => setTimeout(resolve, 3000))]);
        retry = 0;
        status("connected");
        options.onResync && options.onResync();
      } catch (e) {
        status("disconnected");
        later();
      }
    }

    function later() {
      retry = Math.min(retry + 1, 6);
      setTimeout(start, 1000 * retry * retry);
    }

    start();
    return {
      stop() { stopped = true; if (connection) connection.stop(); },
    };
  };
})();
