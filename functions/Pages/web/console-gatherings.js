// The console's offline gatherings (线下活动): create one for the store, list them, see who signed up (seats, then the
// 候补 waitlist), check members in with the code they show (签到), and announce a gathering in a campaign's live room.
// Registers a view in window.SCConsoleExtensions; plain browser JavaScript on top of common.js (window.SC).
"use strict";

(function () {
  SC.addStrings({
    zh: {
      "nav.gatherings": "线下活动", "gatherings.heading": "线下活动", "gatherings.store": "门店",
      "gatherings.new": "新建活动", "gatherings.title": "活动名称", "gatherings.place": "地点", "gatherings.startAt": "开始时间",
      "gatherings.endAt": "结束时间", "gatherings.capacity": "名额（1–500）", "gatherings.deadline": "报名截止（可不填，默认开始时间）",
      "gatherings.description": "活动介绍（可不填）", "gatherings.create": "创建活动", "gatherings.created": "活动已创建",
      "gatherings.list": "活动列表", "gatherings.none": "还没有活动", "gatherings.when": "时间", "gatherings.seats": "已报名 / 名额",
      "gatherings.waiting": "候补", "gatherings.status": "状态", "gatherings.open": "报名中", "gatherings.closed": "报名已截止", "gatherings.cancelled": "已取消",
      "gatherings.attendees": "报名名单", "gatherings.cancel": "取消活动", "gatherings.cancelConfirm": "确定取消活动「{title}」吗？已报名的邻居将不再收到提醒。",
      "gatherings.checkIn": "签到", "gatherings.code": "签到码（8 位数字）", "gatherings.checkedIn": "{name} 签到成功",
      "gatherings.name": "邻居", "gatherings.phone": "手机", "gatherings.state": "报名状态", "gatherings.checkedInAt": "签到时间",
      "gatherings.confirmed": "已报名", "gatherings.waitlisted": "候补第 {n} 位", "gatherings.nobody": "还没有人报名",
      "gatherings.summary": "已报名 {confirmed}/{capacity} · 候补 {waiting} · 已签到 {checkedIn} · 已提醒 {reminded} 次",
      "gatherings.announce": "发布到直播间", "gatherings.campaign": "开团", "gatherings.announced": "已发布到直播间",
      "gatherings.noCampaign": "本店暂无可发布的开团",
      "problem.wrong-check-in-code": "签到码不正确：请核对邻居出示的 8 位数字。", "problem.already-checked-in": "这位邻居已经签到过了。",
    },
    en: {
      "nav.gatherings": "Events", "gatherings.heading": "Offline events", "gatherings.store": "Store",
      "gatherings.new": "New event", "gatherings.title": "Title", "gatherings.place": "Place", "gatherings.startAt": "Starts",
      "gatherings.endAt": "Ends", "gatherings.capacity": "Seats (1–500)", "gatherings.deadline": "Sign-up deadline (optional, default: the start)",
      "gatherings.description": "Description (optional)", "gatherings.create": "Create event", "gatherings.created": "Event created",
      "gatherings.list": "Events", "gatherings.none": "No events yet", "gatherings.when": "Time", "gatherings.seats": "Signed up / seats",
      "gatherings.waiting": "Waiting", "gatherings.status": "Status", "gatherings.open": "Open", "gatherings.closed": "Sign-up closed", "gatherings.cancelled": "Cancelled",
      "gatherings.attendees": "Attendees", "gatherings.cancel": "Cancel event", "gatherings.cancelConfirm": "Cancel “{title}”? Those signed up get no more reminders.",
      "gatherings.checkIn": "Check in", "gatherings.code": "Check-in code (8 digits)", "gatherings.checkedIn": "{name} checked in",
      "gatherings.name": "Neighbour", "gatherings.phone": "Phone", "gatherings.state": "Status", "gatherings.checkedInAt": "Checked in",
      "gatherings.confirmed": "Signed up", "gatherings.waitlisted": "Waitlist No. {n}", "gatherings.nobody": "Nobody signed up yet",
      "gatherings.summary": "Signed up {confirmed}/{capacity} · waiting {waiting} · checked in {checkedIn} · reminders sent {reminded}",
      "gatherings.announce": "Announce in live room", "gatherings.campaign": "Campaign", "gatherings.announced": "Announced in the live room",
      "gatherings.noCampaign": "No campaign of this store to announce in",
      "problem.wrong-check-in-code": "Wrong check-in code: check the 8 digits the neighbour shows.", "problem.already-checked-in": "This neighbour is already checked in.",
    },
  });

  const h = SC.el;
  const enc = encodeURIComponent;
  const tx = (tag, key, attrs) => h(tag, Object.assign({ "data-i18n": key }, attrs || {}), SC.t(key));

  function render(app, ctx) {
    const me = ctx.state.me;
    const isAdmin = me.role === "admin";
    const storeSelect = h("select", { id: "gatherings-store", name: "storeId" });
    const storeId = () => (isAdmin ? storeSelect.value : me.storeId);
    const input = (id, key, attrs) => h("div", { class: "field" }, tx("label", key, { for: id }), h(attrs && attrs.tag || "input", Object.assign({ id, name: id }, attrs || {}, { tag: null })));

    const createError = h("div", { id: "gathering-create-error", class: "error", role: "alert", hidden: true });
    const createForm = h("form", { id: "gathering-form" },
      input("gathering-title", "gatherings.title", { maxlength: 40, required: true }),
      input("gathering-place", "gatherings.place", { maxlength: 80, required: true }),
      h("div", { class: "row" },
        input("gathering-start", "gatherings.startAt", { type: "datetime-local", required: true }),
        input("gathering-end", "gatherings.endAt", { type: "datetime-local", required: true })),
      h("div", { class: "row" },
        input("gathering-capacity", "gatherings.capacity", { type: "number", min: 1, max: 500, step: 1, required: true }),
        input("gathering-deadline", "gatherings.deadline", { type: "datetime-local" })),
      input("gathering-description", "gatherings.description", { tag: "textarea", rows: 2, maxlength: 500 }),
      createError,
      h("div", { class: "actions" }, tx("button", "gatherings.create", { type: "submit", class: "primary", id: "gathering-create" })));
    const listError = h("div", { id: "gatherings-error", class: "error", role: "alert", hidden: true });
    const body = h("tbody");
    const detail = h("section", { id: "gathering-detail", class: "card", hidden: true });

    SC.fill(app, h("div", { class: "view-title" }, tx("h2", "gatherings.heading")),
      isAdmin ? h("section", { class: "card" }, h("div", { class: "field" }, tx("label", "gatherings.store", { for: "gatherings-store" }), storeSelect)) : null,
      h("section", { class: "card" }, tx("h3", "gatherings.new"), createForm),
      h("section", { class: "card" }, tx("h3", "gatherings.list"), listError,
        h("div", { class: "table-wrap" }, h("table", { id: "gatherings-table" },
          h("thead", {}, h("tr", {}, tx("th", "gatherings.title"), tx("th", "gatherings.when"), tx("th", "gatherings.seats"), tx("th", "gatherings.waiting"), tx("th", "gatherings.status"), h("th"))),
          body))),
      detail);

    const statusWord = (g) => SC.t(g.status === "cancelled" ? "gatherings.cancelled" : g.signupOpen ? "gatherings.open" : "gatherings.closed");

    async function load() {
      SC.showError(listError, null);
      if (!storeId()) return;
      try {
        const list = await ctx.api("GET", `/api/stores/${enc(storeId())}/gatherings`);
        if (list[0] && list[0].timeZone) SC.setTimeZone(list[0].timeZone);
        SC.fill(body, list.length ? list.map((g) => h("tr", { "data-gathering-id": g.gatheringId },
          h("td", {}, g.title), h("td", {}, SC.formatTime(g.startAt)), h("td", {}, `${g.confirmed} / ${g.capacity}`), h("td", {}, String(g.waiting)),
          h("td", {}, statusWord(g)),
          h("td", {}, tx("button", "gatherings.attendees", { type: "button", class: "gathering-open", onclick: () => open(g.gatheringId) }))))
          : [h("tr", {}, h("td", { colspan: 6, class: "muted" }, SC.t("gatherings.none")))]);
      } catch (e) { SC.showError(listError, e); }
    }

    createForm.noValidate = true;
    createForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = createForm.querySelector("button[type=submit]");
      SC.showError(createError, null, createForm);
      const v = (id) => createForm.querySelector("#" + id).value.trim();
      const payload = {
        title: v("gathering-title"), place: v("gathering-place"), description: v("gathering-description") || null,
        startAt: SC.fromLocalInput(v("gathering-start")), endAt: SC.fromLocalInput(v("gathering-end")),
        capacity: v("gathering-capacity") === "" ? null : Number(v("gathering-capacity")), signupDeadline: SC.fromLocalInput(v("gathering-deadline")),
      };
      if (!createForm.intent || createForm.intent.body !== JSON.stringify(payload)) createForm.intent = { body: JSON.stringify(payload), key: SC.newKey() };
      button.disabled = true;
      try {
        const g = await ctx.api("POST", `/api/stores/${enc(storeId())}/gatherings`, { body: payload, idempotencyKey: createForm.intent.key });
        SC.toast(SC.t("gatherings.created"));
        createForm.reset();
        createForm.intent = null;
        await load();
        await open(g.gatheringId);
      } catch (e) { SC.showError(createError, e, createForm); } finally { button.disabled = false; }
    });

    async function open(gatheringId) {
      const checkError = h("div", { id: "gathering-checkin-error", class: "error", role: "alert", hidden: true });
      const checkResult = h("p", { id: "gathering-checkin-result", class: "success", role: "status" });
      const code = h("input", { id: "gathering-code", name: "code", inputmode: "numeric", maxlength: 8, autocomplete: "off", pattern: "[0-9]{8}" });
      const checkForm = h("form", { id: "gathering-checkin-form", class: "row" },
        h("div", { class: "field" }, tx("label", "gatherings.code", { for: "gathering-code" }), code),
        tx("button", "gatherings.checkIn", { type: "submit", class: "primary" }));
      const campaignSelect = h("select", { id: "gathering-campaign", name: "campaignId" });
      const announceError = h("div", { id: "gathering-announce-error", class: "error", role: "alert", hidden: true });
      const announceButton = tx("button", "gatherings.announce", { type: "button", id: "gathering-announce" });
      const cancelButton = tx("button", "gatherings.cancel", { type: "button", id: "gathering-cancel", class: "danger" });
      const summary = h("p", { id: "gathering-summary", class: "muted" });
      const rows = h("tbody");
      const heading = h("h3", { id: "gathering-detail-title" });
      SC.fill(detail, heading, summary, checkForm, checkError, checkResult,
        h("div", { class: "table-wrap" }, h("table", { id: "gathering-attendees" },
          h("thead", {}, h("tr", {}, tx("th", "gatherings.name"), tx("th", "gatherings.phone"), tx("th", "gatherings.state"), tx("th", "gatherings.checkedInAt"))), rows)),
        h("div", { class: "row" }, h("div", { class: "field" }, tx("label", "gatherings.campaign", { for: "gathering-campaign" }), campaignSelect), announceButton),
        announceError, h("div", { class: "actions" }, cancelButton));
      detail.hidden = false;
      let current = null;

      async function refresh() {
        const a = await ctx.api("GET", `/api/gatherings/${enc(gatheringId)}/attendees`);
        current = a.gathering;
        SC.fill(heading, `${a.gathering.title} · ${SC.formatTime(a.gathering.startAt)} · ${a.gathering.place}`);
        const reminded = Object.values(a.remindersSent || {}).reduce((x, y) => x + y, 0);
        SC.fill(summary, SC.t("gatherings.summary", { confirmed: a.gathering.confirmed, capacity: a.gathering.capacity, waiting: a.gathering.waiting, checkedIn: a.checkedIn, reminded }));
        SC.fill(rows, a.attendees.length ? a.attendees.map((m) => h("tr", { "data-member-id": m.memberId, "data-status": m.status },
          h("td", {}, m.name), h("td", {}, m.maskedPhone || "—"),
          h("td", {}, m.status === "confirmed" ? SC.t("gatherings.confirmed") : SC.t("gatherings.waitlisted", { n: m.waitlistPosition })),
          h("td", { class: "gathering-checked-in" }, m.checkedInAt ? SC.formatTime(m.checkedInAt) : "—")))
          : [h("tr", {}, h("td", { colspan: 4, class: "muted" }, SC.t("gatherings.nobody")))]);
        cancelButton.hidden = a.gathering.status === "cancelled";
      }

      checkForm.noValidate = true;
      checkForm.addEventListener("submit", async (event) => {
        event.preventDefault();
        SC.showError(checkError, null);
        checkResult.textContent = "";
        try {
          const r = await ctx.api("POST", `/api/gatherings/${enc(gatheringId)}/check-in`, { body: { code: code.value.trim() } });
          checkResult.textContent = SC.t("gatherings.checkedIn", { name: r.name });
          code.value = "";
          await refresh();
          await load();
        } catch (e) { SC.showError(checkError, e); }
      });

      announceButton.addEventListener("click", async () => {
        SC.showError(announceError, null);
        if (!campaignSelect.value) { SC.showError(announceError, new Error(SC.t("gatherings.noCampaign"))); return; }
        try {
          await ctx.api("POST", `/api/campaigns/${enc(campaignSelect.value)}/gatherings/${enc(gatheringId)}/announce`);
          SC.toast(SC.t("gatherings.announced"));
        } catch (e) { SC.showError(announceError, e); }
      });

      cancelButton.addEventListener("click", async () => {
        if (!current || !confirm(SC.t("gatherings.cancelConfirm", { title: current.title }))) return;
        try {
          await ctx.api("POST", `/api/gatherings/${enc(gatheringId)}/cancel`);
          await refresh();
          await load();
        } catch (e) { SC.showError(announceError, e); }
      });

      try {
        const campaigns = await ctx.api("GET", `/api/chains/${enc(me.chainId)}/campaigns`);
        const mine = campaigns.filter((c) => c.storeId === storeId() && ["draft", "preheat", "live"].includes(c.phase));
        SC.fill(campaignSelect, mine.map((c) => h("option", { value: c.campaignId }, `${c.title} · ${SC.formatTime(c.liveStartAt)}`)));
      } catch (e) { /* announcing waits for the list */ }
      try { await refresh(); } catch (e) { SC.showError(checkError, e); }
      detail.scrollIntoView({ block: "start" });
    }

    storeSelect.addEventListener("change", () => { detail.hidden = true; load(); });
    (async () => {
      if (isAdmin) {
        try {
          const stores = await ctx.api("GET", `/api/chains/${enc(me.chainId)}/stores`);
          SC.fill(storeSelect, stores.map((s) => h("option", { value: s.storeId }, s.name)));
        } catch (e) { SC.showError(listError, e); }
      }
      await load();
    })();
  }

  (window.SCConsoleExtensions = window.SCConsoleExtensions || []).push({
    views: [{ name: "gatherings", navKey: "nav.gatherings", roles: ["admin", "leader"], render }],
  });
})();
