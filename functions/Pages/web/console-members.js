// The console's 会员 view (#/members): the store's members, searched by name or phone tail, with full phones (the
// store's own leader and the admin only, API.md) and tags; one tap re-issues a member's login code and gives a login
// link for a neighbour on a new phone. With a campaign chosen (the store's recent ones), four columns say who reserved,
// commented, voted and ordered in it. Registers in window.SCConsoleExtensions; plain browser JavaScript on common.js.
"use strict";

(function () {
  const h = SC.el;
  const $ = (selector, root) => (root || document).querySelector(selector);
  const enc = encodeURIComponent;
  const tx = (tag, key, attrs, vars) => h(tag, Object.assign({ "data-i18n": vars ? null : key }, attrs || {}), SC.t(key, vars));

  SC.addStrings({
    zh: {
      "nav.members": "会员", "members.heading": "本店会员", "members.store": "门店", "members.search": "搜索称呼或手机尾号",
      "members.find": "搜索", "members.name": "称呼", "members.phone": "手机号", "members.tags": "标签", "members.joined": "加入时间",
      "members.none": "没有找到会员。", "members.reissue": "重发登录码", "members.reissued": "已为 {name} 生成新的登录码（旧的随即失效，她其他设备需要重新登录）。把登录链接发给她，点开即可登录：",
      "members.copyLink": "复制登录链接", "members.copyCode": "复制登录码", "members.noCampaign": "本店暂无进行中或即将开始的团，可以只发登录码。",
      "members.call": "拨打", "members.campaign": "看某一团的参与", "members.campaignNone": "不看（只列会员）",
      "members.reserved": "预约", "members.commented": "评论", "members.voted": "投票", "members.ordered": "下单",
      "members.yes": "是", "members.no": "否",
    },
    en: {
      "nav.members": "Members", "members.heading": "Store members", "members.store": "Store", "members.search": "Search by name or phone tail",
      "members.find": "Search", "members.name": "Name", "members.phone": "Phone", "members.tags": "Tags", "members.joined": "Joined",
      "members.none": "No member found.", "members.reissue": "Re-issue login code", "members.reissued": "A new login code for {name} (older ones stop working: her other devices sign in again). Send her the login link; opening it signs her in:",
      "members.copyLink": "Copy login link", "members.copyCode": "Copy login code", "members.noCampaign": "The store has no current or coming campaign; send the code alone.",
      "members.call": "Call", "members.campaign": "Activity in a campaign", "members.campaignNone": "None (members only)",
      "members.reserved": "Reserved", "members.commented": "Commented", "members.voted": "Voted", "members.ordered": "Ordered",
      "members.yes": "yes", "members.no": "no",
    },
  });

  function render(app, ctx) {
    const me = ctx.state.me;
    const isAdmin = me.role === "admin";
    const storeSelect = h("select", { id: "members-store", name: "storeId" });
    const query = h("input", { id: "members-q", name: "q", type: "search", maxlength: 20, autocomplete: "off" });
    const campaignSelect = h("select", { id: "members-campaign", name: "campaignId" }, h("option", { value: "" }, SC.t("members.campaignNone")));
    const FLAGS = ["reserved", "commented", "voted", "ordered"];
    const error = h("div", { id: "members-error", class: "error", role: "alert", hidden: true });
    const body = h("tbody");
    const head = h("tr");
    const issued = h("div", { id: "members-issued", class: "card success-box", role: "status", hidden: true });
    const form = h("form", { id: "members-form", class: "row" },
      isAdmin ? h("div", { class: "field" }, tx("label", "members.store", { for: "members-store" }), storeSelect) : null,
      h("div", { class: "field" }, tx("label", "members.search", { for: "members-q" }), query),
      h("div", { class: "field" }, tx("label", "members.campaign", { for: "members-campaign" }), campaignSelect),
      tx("button", "members.find", { type: "submit", class: "primary" }));
    SC.fill(app, h("div", { class: "view-title" }, tx("h2", "members.heading")),
      h("section", { class: "card" }, form, error, issued,
        h("div", { class: "table-wrap" }, h("table", { id: "members-table" },
          h("thead", {}, head), body))));

    const storeId = () => (isAdmin ? storeSelect.value : me.storeId);

    // One badge per flag with its word written out (a ✓ alone would not read); "否" for screen readers on a dash.
    const flag = (key, on) => h("td", { class: "members-flag", "data-flag": key, "data-on": on ? "true" : "false" },
      on ? h("span", { class: "badge" }, "✓ " + SC.t("members." + key))
        : [h("span", { "aria-hidden": "true", class: "muted" }, "—"), h("span", { class: "sr-only" }, SC.t("members.no"))]);

    async function load() {
      SC.showError(error, null);
      try {
        const q = query.value.trim();
        const campaignId = campaignSelect.value;
        const params = new URLSearchParams();
        if (q) params.set("q", q);
        if (campaignId) params.set("campaignId", campaignId);
        const list = await ctx.api("GET", `/api/stores/${enc(storeId())}/members${params.size ? "?" + params : ""}`);
        SC.fill(head, tx("th", "members.name"), tx("th", "members.phone"), tx("th", "members.tags"), tx("th", "members.joined"),
          campaignId ? FLAGS.map((k) => tx("th", "members." + k)) : null, h("th"));
        SC.fill(body, list.length ? list.map((m) => h("tr", { "data-member-id": m.memberId },
          h("td", {}, m.name),
          h("td", {}, h("a", { href: "tel:" + m.phone, title: SC.t("members.call") }, m.phone)),
          h("td", {}, m.tags.length ? m.tags.map((t) => h("span", { class: "badge" }, t)) : "—"),
          h("td", {}, SC.formatTime(m.joinedAt)),
          campaignId ? FLAGS.map((k) => flag(k, !!(m.campaign && m.campaign[k]))) : null,
          h("td", {}, tx("button", "members.reissue", { type: "button", class: "members-reissue", onclick: (event) => reissue(m, event.target) }))))
          : [h("tr", {}, h("td", { colspan: campaignId ? 9 : 5, class: "muted" }, SC.t("members.none")))]);
      } catch (e) { SC.showError(error, e); }
    }

    // The store's recent campaigns (newest live start first, at most 20) for the activity columns.
    async function loadCampaigns() {
      const chosen = campaignSelect.value;
      try {
        const rows = await ctx.api("GET", `/api/chains/${enc(me.chainId)}/campaigns`);
        const mine = rows.filter((c) => c.storeId === storeId()).sort((a, b) => Date.parse(b.liveStartAt) - Date.parse(a.liveStartAt)).slice(0, 20);
        SC.fill(campaignSelect, h("option", { value: "" }, SC.t("members.campaignNone")),
          mine.map((c) => h("option", { value: c.campaignId }, `${c.title} · ${SC.formatTime(c.liveStartAt)}`)));
        if (mine.some((c) => c.campaignId === chosen)) campaignSelect.value = chosen;
      } catch (e) { /* the list works without it */ }
    }
    campaignSelect.addEventListener("change", load);

    // The store's live campaign, else its next one still ahead: where the login link opens.
    async function linkCampaign() {
      const rows = await ctx.api("GET", `/api/chains/${enc(me.chainId)}/campaigns`);
      const open = rows.filter((c) => c.storeId === storeId() && ["draft", "preheat", "live"].includes(c.phase));
      open.sort((a, b) => (a.phase === "live" ? -1 : b.phase === "live" ? 1 : Date.parse(a.liveStartAt) - Date.parse(b.liveStartAt)));
      return open[0] || null;
    }

    async function reissue(member, button) {
      button.disabled = true;
      SC.showError(error, null);
      try {
        const { memberToken } = await ctx.api("POST", `/api/members/${enc(member.memberId)}/token`);
        const campaign = await linkCampaign().catch(() => null);
        const link = campaign ? `${location.origin}/live/${enc(campaign.campaignId)}#login=${memberToken}` : null;
        const copy = (text) => navigator.clipboard.writeText(text).then(() => SC.toast(SC.t("common.copied"))).catch(() => {});
        SC.fill(issued, h("p", {}, SC.t("members.reissued", { name: member.name })),
          link ? h("input", { id: "members-link", readonly: true, value: link, "aria-label": SC.t("members.copyLink") }) : tx("p", "members.noCampaign", { class: "muted" }),
          h("div", { class: "actions" },
            link ? tx("button", "members.copyLink", { type: "button", class: "primary", onclick: () => copy(link) }) : null,
            tx("button", "members.copyCode", { type: "button", onclick: () => copy(memberToken) })));
        issued.hidden = false;
      } catch (e) { SC.showError(error, e); }
      finally { button.disabled = false; }
    }

    form.addEventListener("submit", (event) => { event.preventDefault(); load(); });
    if (isAdmin) {
      ctx.api("GET", `/api/chains/${enc(me.chainId)}/stores`).then((stores) => {
        SC.fill(storeSelect, stores.map((s) => h("option", { value: s.storeId }, s.name)));
        storeSelect.addEventListener("change", () => { campaignSelect.value = ""; loadCampaigns(); load(); });
        loadCampaigns();
        load();
      }).catch((e) => SC.showError(error, e));
    } else {
      loadCampaigns();
      load();
    }
  }

  (window.SCConsoleExtensions = window.SCConsoleExtensions || []).push({
    views: [{ name: "members", navKey: "nav.members", roles: ["admin", "leader"], render }],
  });
})();
