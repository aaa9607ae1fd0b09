// In the live room's 我的 panel (live-growth.js): whether the store may message the member (开团预告、直播提醒、成团结果、
// 提货提醒、回访邀请 by text or WeChat). Sign-in codes always come. Loaded after live-growth.js, before live.js, which
// announces who is signed in with a "sc:member" event.
"use strict";

(function () {
  SC.addStrings({
    zh: {
      "outreach.title": "消息通知", "outreach.toggle": "接收开团预告、直播提醒、成团结果和提货提醒（短信或微信）",
      "outreach.hint": "{start} 到 {end} 不打扰，期间的消息会在 {end} 之后发出。登录验证码不受影响。",
      "outreach.hintNone": "本店未设免打扰时段。登录验证码总会发送。",
      "outreach.on": "已开启消息通知", "outreach.off": "已关闭消息通知，不会再收到团购消息",
    },
    en: {
      "outreach.title": "Messages", "outreach.toggle": "Get previews, live reminders, group results and pickup reminders (text or WeChat)",
      "outreach.hint": "Nothing between {start} and {end}; messages due then come after {end}. Sign-in codes always come.",
      "outreach.hintNone": "This store has no quiet hours. Sign-in codes always come.",
      "outreach.on": "Messages are on", "outreach.off": "Messages are off: no more group-buy messages",
    },
  });

  const h = SC.el;
  let token = null;
  let channels = null;

  const toggle = h("input", { type: "checkbox", id: "outreach-toggle" });
  const status = h("p", { id: "outreach-status", class: "muted", role: "status" });
  const error = h("p", { id: "outreach-error", class: "error", role: "alert", hidden: true });
  const hint = h("p", { id: "outreach-hint", class: "hint muted" }); // the chain's own quiet hours (show)
  const box = h("div", { id: "outreach-prefs", class: "outreach-prefs", hidden: true },
    h("h3", { "data-i18n": "outreach.title" }, SC.t("outreach.title")),
    h("label", { for: "outreach-toggle", class: "check" }, toggle, " ", h("span", { "data-i18n": "outreach.toggle" }, SC.t("outreach.toggle"))),
    hint, status, error);
  let shown = null; // the preferences last loaded or saved, with the chain's quiet hours (HH:mm)

  function draw() {
    if (!shown) return;
    const { outreach, quietHoursStart: start, quietHoursEnd: end } = shown;
    status.textContent = SC.t(outreach ? "outreach.on" : "outreach.off");
    hint.textContent = !start || !end ? "" : start === end ? SC.t("outreach.hintNone") : SC.t("outreach.hint", { start, end });
  }

  function show(prefs) {
    shown = prefs;
    channels = prefs.channels;
    toggle.checked = !!prefs.outreach;
    draw();
    box.hidden = false;
  }

  async function load() {
    if (!token) { box.hidden = true; return; }
    const asked = token;
    try {
      const prefs = await SC.api("GET", "/api/members/me/preferences", { token });
      if (asked === token) { error.hidden = true; show(prefs); }
    } catch (e) {
      if (asked === token) { error.hidden = false; error.textContent = e.message; }
    }
  }

  toggle.addEventListener("change", async () => {
    toggle.disabled = true;
    try {
      show(await SC.api("PUT", "/api/members/me/preferences", { token, body: { outreach: toggle.checked, channels } }));
      error.hidden = true;
    } catch (e) {
      toggle.checked = !toggle.checked;
      error.hidden = false;
      error.textContent = e.message;
    } finally {
      toggle.disabled = false;
    }
  });

  function place() {
    if (box.isConnected) return;
    const card = document.getElementById("growth-card");
    const refresh = card && card.querySelector("#growth-refresh");
    if (refresh) refresh.before(box); else if (card) card.append(box);
  }

  document.addEventListener("sc:member", (event) => { token = event.detail.token; place(); load(); });
  SC.onLanguageChange(draw);
  document.addEventListener("DOMContentLoaded", place);
  if (document.readyState !== "loading") place();
})();
