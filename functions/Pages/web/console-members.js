// The console's 会员 view (#/members): the store's members, searched by name or phone tail, with full phones (the
// store's own leader and the admin only, API.md) and tags; one tap re-issues a member's login code and gives a login
// link for a neighbour on a new phone. Registers in window.SCConsoleExtensions; plain browser JavaScript on common.js.
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
      "members.call": "拨打",
    },
    en: {
      "nav.members": "Members", "members.heading": "Store members", "members.store": "Store", "members.search": "Search by name or phone tail",
      "members.find": "Search", "members.name": "Name", "members.phone": "Phone", "members.tags": "Tags", "members.joined": "Joined",
      "members.none": "No member found.", "members.reissue": "Re-issue login code", "members.reissued": "A new login code for {name} (older ones stop working: her other devices sign in again). Send her the login link; opening it signs her in:",
      "members.copyLink": "Copy login link", "members.copyCode": "Copy login code", "members.noCampaign": "The store has no current or coming campaign; send the code alone.",
      "members.call": "Call",
    },
  });

  function render(app, ctx) {
    const me = ctx.state.me;
    const isAdmin = me.role === "admin";
    const storeSelect = h("select", { id: "members-store", name: "storeId" });
    const query = h("input", { id: "members-q", name: "q", type: "search", maxlength: 20, autocomplete: "off" });
    const error = h("div", { id: "members-error", class: "error", role: "alert", hidden: true });
    const body = h("tbody");
    const issued = h("div", { id: "members-issued", class: "card success-box", role: "status", hidden: true });
    const form = h("form", { id: "members-form", class: "row" },
      isAdmin ? h("div", { class: "field" }, tx("label", "members.store", { for: "members-store" }), storeSelect) : null,
      h("div", { class: "field" }, tx("label", "members.search", { for: "members-q" }), query),
      tx("button", "members.find", { type: "submit", class: "primary" }));
    SC.fill(app, h("div", { class: "view-title" }, tx("h2", "members.heading")),
      h("section", { class: "card" }, form, error, issued,
        h("div", { class: "table-wrap" }, h("table", { id: "members-table" },
          h("thead", {}, h("tr", {}, tx("th", "members.name"), tx("th", "members.phone"), tx("th", "members.tags"), tx("th", "members.joined"), h("th"))), body))));

    const storeId = () => (isAdmin ? storeSelect.value : me.storeId);

    async function load() {
      SC.showError(error, null);
      try {
        const q = query.value.trim();
        const list = await ctx.api("GET", `/api/stores/${enc(storeId())}/members${q ? "?q=" + enc(q) : ""}`);
        SC.fill(body, list.length ? list.map((m) => h("tr", { "data-member-id": m.memberId },
          h("td", {}, m.name),
          h("td", {}, h("a", { href: "tel:" + m.phone, title: SC.t("members.call") }, m.phone)),
          h("td", {}, m.tags.length ? m.tags.map((t) => h("span", { class: "badge" }, t)) : "—"),
          h("td", {}, SC.formatTime(m.joinedAt)),
          h("td", {}, tx("button", "members.reissue", { type: "button", class: "members-reissue", onclick: (event) => reissue(m, event.target) }))))
          : [h("tr", {}, h("td", { colspan: 5, class: "muted" }, SC.t("members.none")))]);
      } catch (e) { SC.showError(error, e); }
    }

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
        storeSelect.addEventListener("change", load);
        load();
      }).catch((e) => SC.showError(error, e));
    } else {
      load();
    }
  }

  (window.SCConsoleExtensions = window.SCConsoleExtensions || []).push({
    views: [{ name: "members", navKey: "nav.members", roles: ["admin", "leader"], render }],
  });
})();
