// The console's 系列直播 view (#/series): a store's recurring campaigns ("每周三厨房"). Create one from an earlier
// campaign (its items, prices, stock and limits) with a weekly time; the next live is proposed a week ahead, and the
// leader confirms it (确认开团: a draft with its timers set) or skips it (跳过). Pause and resume a series.
// Registers in window.SCConsoleExtensions; plain browser JavaScript on common.js.
"use strict";

(function () {
  const h = SC.el;
  const enc = encodeURIComponent;
  const tx = (tag, key, attrs, vars) => h(tag, Object.assign({ "data-i18n": vars ? null : key }, attrs || {}), SC.t(key, vars));
  const labelled = (id, key, attrs, tag) => h("div", { class: "field" }, tx("label", key, { for: id }), h(tag || "input", Object.assign({ id, name: id }, attrs || {})));

  SC.addStrings({
    zh: {
      "nav.series": "系列直播", "series.heading": "系列直播", "series.intro": "固定栏目，比如“每周三厨房”：每周按时提议下一场，团长确认后才开团（生成草稿并按时预热、开播）。",
      "series.store": "门店", "series.none": "还没有系列直播。用下面的表单从一场开过的团创建。", "series.new": "新建系列直播",
      "series.name": "系列名称", "series.from": "照这场开团的商品、价格和库存", "series.fromNone": "本店还没有开团，请先新建一场开团。",
      "series.weekdays": "每周几开播", "series.time": "开播时间", "series.duration": "直播时长（分钟）", "series.preheat": "提前预热（小时）",
      "series.pickup": "直播结束后自提（小时）", "series.create": "创建系列", "series.created": "已创建系列“{name}”。",
      "series.every": "每周{days} {time} 开播 · 直播 {minutes} 分钟", "series.cron": "按 {cron} 开播 · 直播 {minutes} 分钟",
      "series.active": "进行中", "series.paused": "已暂停", "series.pause": "暂停", "series.resume": "恢复",
      "series.next": "下一场：{time}", "series.proposals": "提议", "series.noProposals": "暂无提议：开播前 {days} 天内会自动提议下一场。",
      "series.confirm": "确认开团", "series.skip": "跳过", "series.open": "查看开团", "series.confirmed": "已开团：草稿已生成，会按时预热和开播。",
      "series.status.proposed": "待确认", "series.status.confirmed": "已开团", "series.status.skipped": "已跳过", "series.status.expired": "已过期",
      "series.live": "开播 {time}", "series.preheatAt": "预热 {time}",
      "series.day.1": "一", "series.day.2": "二", "series.day.3": "三", "series.day.4": "四", "series.day.5": "五", "series.day.6": "六", "series.day.7": "日",
      "problem.proposal-stale": "这一场的开播时间已过，不能再开团。请确认之后的一场，或复制一场开团并设置新时间。",
    },
    en: {
      "nav.series": "Series", "series.heading": "Recurring series", "series.intro": "A regular show such as “Wednesday kitchen”: the next live is proposed on schedule and becomes a campaign (a draft with its timers) only when you confirm it.",
      "series.store": "Store", "series.none": "No series yet. Create one from an earlier campaign below.", "series.new": "New series",
      "series.name": "Series name", "series.from": "Items, prices and stock of this campaign", "series.fromNone": "The store has no campaign yet; open one first.",
      "series.weekdays": "Live on", "series.time": "Live starts at", "series.duration": "Live length (minutes)", "series.preheat": "Preheat ahead (hours)",
      "series.pickup": "Pickup after the live (hours)", "series.create": "Create series", "series.created": "Series “{name}” created.",
      "series.every": "Every {days} at {time} · {minutes} min live", "series.cron": "On {cron} · {minutes} min live",
      "series.active": "Active", "series.paused": "Paused", "series.pause": "Pause", "series.resume": "Resume",
      "series.next": "Next: {time}", "series.proposals": "Proposals", "series.noProposals": "No proposal yet: the next live is proposed {days} days ahead.",
      "series.confirm": "Confirm campaign", "series.skip": "Skip", "series.open": "Open campaign", "series.confirmed": "Campaign created: a draft that preheats and goes live on time.",
      "series.status.proposed": "To confirm", "series.status.confirmed": "Confirmed", "series.status.skipped": "Skipped", "series.status.expired": "Expired",
      "series.live": "Live {time}", "series.preheatAt": "Preheat {time}",
      "series.day.1": "Mon", "series.day.2": "Tue", "series.day.3": "Wed", "series.day.4": "Thu", "series.day.5": "Fri", "series.day.6": "Sat", "series.day.7": "Sun",
      "problem.proposal-stale": "This live's start has passed; it can no longer become a campaign. Confirm a later one, or duplicate a campaign with new times.",
    },
  });

  function scheduleText(s) {
    const minutes = Math.round(s.schedule.liveDurationMinutes * 10) / 10;
    if (s.schedule.cron) return SC.t("series.cron", { cron: s.schedule.cron, minutes });
    const days = (s.schedule.weekdays || []).map((d) => SC.t("series.day." + d)).join(SC.lang && SC.lang() === "en" ? ", " : "、");
    return SC.t("series.every", { days, time: s.schedule.liveStartTime, minutes });
  }

  function render(app, ctx) {
    const me = ctx.state.me;
    const isAdmin = me.role === "admin";
    const storeSelect = h("select", { id: "series-store", name: "storeId" });
    const error = h("div", { id: "series-error", class: "error", role: "alert", hidden: true });
    const list = h("div", { id: "series-list" });
    const notice = h("div", { id: "series-notice", class: "card success-box", role: "status", hidden: true });
    const formError = h("div", { id: "series-form-error", class: "error", role: "alert", hidden: true });
    const fromSelect = h("select", { id: "series-from", name: "fromCampaignId" });
    const dayBoxes = [1, 2, 3, 4, 5, 6, 7].map((d) => h("label", { class: "inline" },
      h("input", { type: "checkbox", name: "weekdays", value: String(d), class: "series-day" }), " ", SC.t("series.day." + d)));
    const form = h("form", { id: "series-form" },
      labelled("series-name", "series.name", { name: "name", maxlength: 40, required: true, placeholder: "每周三厨房" }),
      h("div", { class: "field" }, tx("label", "series.from", { for: "series-from" }), fromSelect),
      h("fieldset", { class: "field", id: "series-weekdays" }, tx("legend", "series.weekdays"), h("div", { class: "row" }, dayBoxes)),
      h("div", { class: "row" },
        labelled("series-time", "series.time", { name: "schedule.liveStartTime", type: "time", value: "20:00" }),
        labelled("series-duration", "series.duration", { name: "schedule.liveDurationMinutes", type: "number", min: 1, max: 1440, value: "90" }),
        labelled("series-preheat", "series.preheat", { name: "schedule.preheatLeadHours", type: "number", min: 0, max: 336, value: "48" }),
        labelled("series-pickup", "series.pickup", { name: "schedule.pickupHoursAfterLive", type: "number", min: 1, max: 720, value: "48" })),
      formError,
      h("div", { class: "actions" }, tx("button", "series.create", { type: "submit", class: "primary", id: "series-create" })));
    SC.fill(app, ctx.viewTitle("series.heading"),
      h("section", { class: "card" }, tx("p", "series.intro", { class: "muted" }),
        isAdmin ? h("div", { class: "field" }, tx("label", "series.store", { for: "series-store" }), storeSelect) : null,
        error, notice, list),
      h("section", { class: "card" }, tx("h3", "series.new"), form));

    const storeId = () => (isAdmin ? storeSelect.value : me.storeId);
    const say = (text) => { SC.fill(notice, h("p", {}, text)); notice.hidden = false; };

    async function loadCampaigns() {
      const rows = await ctx.api("GET", `/api/chains/${enc(me.chainId)}/campaigns`);
      const mine = rows.filter((c) => c.storeId === storeId()).sort((a, b) => Date.parse(b.liveStartAt) - Date.parse(a.liveStartAt)).slice(0, 30);
      SC.fill(fromSelect, mine.length ? mine.map((c) => h("option", { value: c.campaignId }, `${c.title} · ${SC.formatTime(c.liveStartAt)}`))
        : [h("option", { value: "" }, SC.t("series.fromNone"))]);
    }

    function proposalRow(s, p) {
      const status = h("span", { class: "badge", "data-status": p.status }, SC.t("series.status." + p.status));
      const actions = h("div", { class: "actions" });
      if (p.status === "proposed") {
        actions.append(
          tx("button", "series.confirm", { type: "button", class: "primary series-confirm", onclick: (e) => decide(s, p, "confirm", e.target) }),
          tx("button", "series.skip", { type: "button", class: "series-skip", onclick: (e) => decide(s, p, "skip", e.target) }));
      } else if (p.campaignId) {
        actions.append(h("a", { href: "#/campaigns/" + enc(p.campaignId), class: "button series-open" }, SC.t("series.open")));
      }
      return h("li", { class: "series-proposal", "data-proposal-id": p.proposalId, "data-status": p.status },
        h("strong", {}, SC.t("series.live", { time: SC.formatTime(p.liveStartAt) })), " ", status, " ",
        h("span", { class: "muted" }, SC.t("series.preheatAt", { time: SC.formatTime(p.preheatAt) })), actions);
    }

    async function card(s) {
      const proposals = await ctx.api("GET", `/api/series/${enc(s.seriesId)}/proposals`);
      const toggle = tx("button", s.active ? "series.pause" : "series.resume", { type: "button", class: "series-toggle", onclick: (e) => setActive(s, !s.active, e.target) });
      return h("article", { class: "card series-card", "data-series-id": s.seriesId },
        h("h3", {}, s.name, " ", h("span", { class: "badge" }, SC.t(s.active ? "series.active" : "series.paused"))),
        h("p", {}, scheduleText(s)),
        s.nextLiveStartAt ? h("p", { class: "muted" }, SC.t("series.next", { time: SC.formatTime(s.nextLiveStartAt) })) : null,
        tx("h4", "series.proposals"),
        proposals.length ? h("ul", { class: "series-proposals" }, proposals.slice(0, 6).map((p) => proposalRow(s, p)))
          : h("p", { class: "muted" }, SC.t("series.noProposals", { days: s.proposeDaysAhead })),
        h("div", { class: "actions" }, toggle));
    }

    async function load() {
      SC.showError(error, null);
      try {
        const series = await ctx.api("GET", `/api/stores/${enc(storeId())}/series`);
        SC.fill(list, series.length ? await Promise.all(series.map(card)) : [tx("p", "series.none", { class: "muted" })]);
      } catch (e) { SC.showError(error, e); }
    }

    async function decide(s, p, action, button) {
      button.disabled = true;
      SC.showError(error, null);
      try {
        await ctx.api("POST", `/api/series/${enc(s.seriesId)}/proposals/${enc(p.proposalId)}/${action}`);
        if (action === "confirm") say(SC.t("series.confirmed"));
        await load();
      } catch (e) { SC.showError(error, e); await load(); }
      finally { button.disabled = false; }
    }

    async function setActive(s, active, button) {
      button.disabled = true;
      try {
        await ctx.api("PATCH", `/api/series/${enc(s.seriesId)}`, { body: { active } });
        await load();
      } catch (e) { SC.showError(error, e); }
      finally { button.disabled = false; }
    }

    form.noValidate = true;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      SC.showError(formError, null, form);
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      const num = (id) => (form.querySelector("#" + id).value === "" ? null : Number(form.querySelector("#" + id).value));
      const body = {
        name: form.querySelector("#series-name").value,
        fromCampaignId: fromSelect.value || null,
        schedule: {
          weekdays: dayBoxes.map((l) => l.querySelector("input")).filter((i) => i.checked).map((i) => Number(i.value)),
          liveStartTime: form.querySelector("#series-time").value,
          liveDurationMinutes: num("series-duration"),
          preheatLeadHours: num("series-preheat"),
          pickupHoursAfterLive: num("series-pickup"),
        },
      };
      try {
        const made = await ctx.api("POST", `/api/stores/${enc(storeId())}/series`, { body, idempotencyKey: ctx.intentKey(form, body) });
        say(SC.t("series.created", { name: made.name }));
        form.reset();
        await load();
      } catch (e) { SC.showError(formError, e, form); }
      finally { button.disabled = false; }
    });

    const start = () => { loadCampaigns().catch((e) => SC.showError(formError, e)); load(); };
    if (isAdmin) {
      ctx.api("GET", `/api/chains/${enc(me.chainId)}/stores`).then((stores) => {
        SC.fill(storeSelect, stores.map((st) => h("option", { value: st.storeId }, st.name)));
        storeSelect.addEventListener("change", start);
        start();
      }).catch((e) => SC.showError(error, e));
    } else {
      start();
    }
  }

  (window.SCConsoleExtensions = window.SCConsoleExtensions || []).push({
    views: [{ name: "series", navKey: "nav.series", roles: ["admin", "leader"], render }],
  });
})();
