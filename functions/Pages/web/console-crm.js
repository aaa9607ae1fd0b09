// CRM in the console: member tags and their counts per store, the chain's tag rules, tag targeting when a campaign is
// created, and KOC trials (体验官) on the campaign page. Loaded before console.js, which calls these hooks
// (window.SCConsoleExtensions); plain browser JavaScript on top of common.js (window.SC).
"use strict";

(function () {
  const h = SC.el;
  const $ = (selector, root) => (root || document).querySelector(selector);
  const $$ = (selector, root) => Array.from((root || document).querySelectorAll(selector));
  const enc = encodeURIComponent;

  SC.addStrings({
    zh: {
      "nav.tags": "会员标签", "crm.heading": "会员标签", "crm.store": "门店", "crm.counts": "标签人数", "crm.tag": "标签", "crm.count": "人数",
      "crm.noTags": "还没有会员获得标签。标签每晚自动计算，管理员也可以立即重新计算。", "crm.recompute": "立即重新计算", "crm.recomputed": "已重新计算 {members} 位会员的标签",
      "crm.members": "带「{tag}」标签的会员", "crm.name": "称呼", "crm.phone": "手机号", "crm.tags": "标签", "crm.pick": "点标签查看会员",
      "crm.rules": "标签规则", "crm.rulesHint": "规则修改后，在下次计算时生效。", "crm.save": "保存规则", "crm.saved": "规则已保存",
      "crm.highValue": "高价值", "crm.minSpend": "累计消费满（元）", "crm.minAov": "或客单价满（元）", "crm.enabled": "启用",
      "crm.fans": "品类达人（每行：标签,品类,下单次数）", "crm.loyal": "忠实观众", "crm.minLives": "参与直播场次（预约或下单）",
      "crm.lapsed": "沉睡", "crm.days": "多少天未下单", "crm.koc": "KOC候选", "crm.minPhotos": "晒图评价数", "crm.minReferrals": "或推荐邻居数",
      "crm.tagName": "标签名", "crm.targeting": "定向预热（按会员标签）", "crm.targetingHint": "预热通知除了发给已预约的邻居，也发给带这些标签的本店会员（每人一次）。",
      "crm.targets": "定向标签", "crm.noTargets": "未设置定向标签", "crm.reach": "定向触达", "crm.reached": "触达", "crm.ordered": "下单", "crm.rate": "转化率",
      "trial.heading": "体验官（KOC 试用）", "trial.member": "邀请会员", "trial.item": "试用商品", "trial.invite": "邀请试用", "trial.invited": "已邀请",
      "trial.none": "还没有邀请体验官。", "trial.status.invited": "待反馈", "trial.status.submitted": "已反馈", "trial.status.approved": "已采用",
      "trial.approve": "采用为「体验官说」", "trial.approvedToast": "已采用，直播间可见", "trial.onlyBefore": "开播前（草稿或预热阶段）可以邀请体验官。",
    },
    en: {
      "nav.tags": "Member tags", "crm.heading": "Member tags", "crm.store": "Store", "crm.counts": "Tag counts", "crm.tag": "Tag", "crm.count": "Members",
      "crm.noTags": "No member has a tag yet. Tags are computed every night; the admin can recompute now.", "crm.recompute": "Recompute now", "crm.recomputed": "Tags of {members} members recomputed",
      "crm.members": "Members tagged “{tag}”", "crm.name": "Name", "crm.phone": "Phone", "crm.tags": "Tags", "crm.pick": "Pick a tag to see its members",
      "crm.rules": "Tag rules", "crm.rulesHint": "Changes apply at the next recompute.", "crm.save": "Save rules", "crm.saved": "Rules saved",
      "crm.highValue": "High value", "crm.minSpend": "Total spend at least (yuan)", "crm.minAov": "or average order at least (yuan)", "crm.enabled": "On",
      "crm.fans": "Category fans (one per line: tag,category,orders)", "crm.loyal": "Loyal viewers", "crm.minLives": "Lives attended (reserved or ordered)",
      "crm.lapsed": "Lapsed", "crm.days": "Days without an order", "crm.koc": "KOC candidates", "crm.minPhotos": "Photo reviews", "crm.minReferrals": "or neighbours referred",
      "crm.tagName": "Tag name", "crm.targeting": "Targeted preheat (by member tags)", "crm.targetingHint": "The preview goes to members who reserved and to this store's members with these tags (once each).",
      "crm.targets": "Targeted tags", "crm.noTargets": "No targeted tags", "crm.reach": "Targeted reach", "crm.reached": "Reached", "crm.ordered": "Ordered", "crm.rate": "Rate",
      "trial.heading": "Experience officers (KOC trials)", "trial.member": "Member", "trial.item": "Item", "trial.invite": "Invite", "trial.invited": "Invited",
      "trial.none": "No trials yet.", "trial.status.invited": "Awaiting feedback", "trial.status.submitted": "Feedback in", "trial.status.approved": "Approved",
      "trial.approve": "Approve as a quote", "trial.approvedToast": "Approved: shown in the live room", "trial.onlyBefore": "Invite experience officers before the live (draft or preheat).",
    },
  });

  const tx = (tag, key, attrs, vars) => h(tag, Object.assign({ "data-i18n": vars ? null : key }, attrs || {}), SC.t(key, vars));
  const labelled = (id, key, attrs, tag) => h("div", { class: "field" }, tx("label", key, { for: id }), h(tag || "input", Object.assign({ id, name: id }, attrs || {})));
  const errorBox = (id) => h("div", { id, class: "error", role: "alert", hidden: true });
  const yuan = (fen) => (Number(fen || 0) / 100).toString();
  const fen = (text) => Math.round(Number(String(text).trim() || "0") * 100);

  function wire(form, box, fn) {
    form.noValidate = true;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = $("button[type=submit]", form);
      SC.showError(box, null, form);
      if (button) button.disabled = true;
      try { await fn(); } catch (e) { SC.showError(box, e, form); } finally { if (button) button.disabled = false; }
    });
  }

  // ---- the tags page ------------------------------------------------------------------------------------------------

  function renderTags(app, ctx) {
    const me = ctx.state.me;
    const isAdmin = me.role === "admin";
    const storeSelect = h("select", { id: "crm-store", name: "storeId" });
    const counts = h("tbody");
    const members = h("div", { id: "tag-members" }, tx("p", "crm.pick", { class: "muted" }));
    const countsCard = h("section", { class: "card", id: "tag-counts-card" },
      h("div", { class: "view-title" }, tx("h3", "crm.counts"),
        isAdmin ? tx("button", "crm.recompute", { type: "button", id: "crm-recompute" }) : null),
      isAdmin ? h("div", { class: "field" }, tx("label", "crm.store", { for: "crm-store" }), storeSelect) : null,
      errorBox("crm-error"),
      h("div", { class: "table-wrap" }, h("table", { id: "tag-counts" }, h("thead", {}, h("tr", {}, tx("th", "crm.tag"), tx("th", "crm.count", { class: "num" }))), counts)),
      members);
    const rulesCard = h("section", { class: "card", id: "tag-rules-card" }, tx("h3", "crm.rules"), tx("p", "crm.rulesHint", { class: "muted" }), h("div", { id: "tag-rules" }));
    SC.fill(app, h("div", { class: "view-title" }, tx("h2", "crm.heading")), countsCard, rulesCard);

    const storeId = () => (isAdmin ? storeSelect.value : me.storeId);
    async function loadCounts() {
      const box = $("#crm-error");
      SC.showError(box, null);
      try {
        const list = await ctx.api("GET", `/api/stores/${enc(storeId())}/tags`);
        SC.fill(counts, list.length ? list.map((t) => h("tr", {},
          h("td", {}, h("button", { type: "button", class: "link-button tag-link", "data-tag": t.tag, onclick: () => loadMembers(t.tag) }, t.tag)),
          h("td", { class: "num" }, String(t.count))))
          : [h("tr", {}, h("td", { colspan: 2, class: "muted" }, SC.t("crm.noTags")))]);
      } catch (e) { SC.showError(box, e); }
    }
    async function loadMembers(tag) {
      try {
        const list = await ctx.api("GET", `/api/stores/${enc(storeId())}/members?tag=${enc(tag)}`);
        SC.fill(members, tx("h4", "crm.members", {}, { tag }), h("div", { class: "table-wrap" }, h("table", { id: "tag-member-list" },
          h("thead", {}, h("tr", {}, tx("th", "crm.name"), tx("th", "crm.phone"), tx("th", "crm.tags"))),
          h("tbody", {}, list.map((m) => h("tr", { "data-member-id": m.memberId }, h("td", {}, m.name), h("td", {}, m.phone), h("td", {}, (m.tags || []).join("、"))))))));
      } catch (e) { SC.showError($("#crm-error"), e); }
    }

    if (isAdmin) {
      $("#crm-recompute").addEventListener("click", async (event) => {
        event.target.disabled = true;
        try {
          const r = await ctx.api("POST", `/api/chains/${enc(me.chainId)}/tags/recompute`);
          SC.toast(SC.t("crm.recomputed", { members: r.members }));
          await loadCounts();
        } catch (e) { SC.showError($("#crm-error"), e); } finally { event.target.disabled = false; }
      });
      storeSelect.addEventListener("change", () => { SC.fill(members); loadCounts(); });
      SC.api("GET", `/api/chains/${enc(me.chainId)}/stores`).then((stores) => {
        SC.fill(storeSelect, stores.map((s) => h("option", { value: s.storeId }, s.name)));
        loadCounts();
      }).catch((e) => SC.showError($("#crm-error"), e));
    } else {
      loadCounts();
    }
    ctx.api("GET", `/api/chains/${enc(me.chainId)}/tag-rules`).then((rules) => drawRules($("#tag-rules"), rules, isAdmin, ctx)).catch((e) => SC.showError($("#crm-error"), e));
  }

  function drawRules(root, r, editable, ctx) {
    const check = (id, on) => h("label", { class: "choice" }, h("input", { type: "checkbox", id, checked: on ? true : null, disabled: editable ? null : true }), " ", SC.t("crm.enabled"));
    const input = (id, key, value, attrs) => labelled(id, key, Object.assign({ value: String(value), disabled: editable ? null : true }, attrs || {}));
    const num = { type: "number", min: 1, step: 1, inputmode: "numeric" };
    const form = h("form", { id: "tag-rules-form" },
      h("fieldset", {}, tx("legend", "crm.highValue"), check("rule-high-on", r.highValue.enabled),
        h("div", { class: "row" }, input("rule-high-tag", "crm.tagName", r.highValue.tag, { maxlength: 12 }),
          input("rule-high-spend", "crm.minSpend", yuan(r.highValue.minTotalSpendFen), { inputmode: "decimal" }),
          input("rule-high-aov", "crm.minAov", yuan(r.highValue.minAverageOrderFen), { inputmode: "decimal" }))),
      h("fieldset", {}, tx("legend", "crm.fans"), h("textarea", { id: "rule-fans", rows: 3, "aria-label": SC.t("crm.fans"), disabled: editable ? null : true },
        r.categoryFans.map((f) => `${f.tag},${f.category},${f.minOrders}`).join("\n"))),
      h("fieldset", {}, tx("legend", "crm.loyal"), check("rule-loyal-on", r.loyalViewer.enabled),
        h("div", { class: "row" }, input("rule-loyal-tag", "crm.tagName", r.loyalViewer.tag, { maxlength: 12 }), input("rule-loyal-lives", "crm.minLives", r.loyalViewer.minLives, num))),
      h("fieldset", {}, tx("legend", "crm.lapsed"), check("rule-lapsed-on", r.lapsed.enabled),
        h("div", { class: "row" }, input("rule-lapsed-tag", "crm.tagName", r.lapsed.tag, { maxlength: 12 }), input("rule-lapsed-days", "crm.days", r.lapsed.days, num))),
      h("fieldset", {}, tx("legend", "crm.koc"), check("rule-koc-on", r.kocCandidate.enabled),
        h("div", { class: "row" }, input("rule-koc-tag", "crm.tagName", r.kocCandidate.tag, { maxlength: 12 }),
          input("rule-koc-photos", "crm.minPhotos", r.kocCandidate.minPhotoReviews, num), input("rule-koc-referrals", "crm.minReferrals", r.kocCandidate.minReferrals, num))),
      errorBox("tag-rules-error"),
      editable ? h("div", { class: "actions" }, tx("button", "crm.save", { type: "submit", id: "tag-rules-save", class: "primary" })) : null);
    SC.fill(root, form);
    if (!editable) return;
    const val = (id) => $("#" + id, form).value.trim();
    const int = (id) => (/^\d+$/.test(val(id)) ? parseInt(val(id), 10) : null);
    wire(form, $("#tag-rules-error", form), async () => {
      const body = {
        highValue: { tag: val("rule-high-tag"), enabled: $("#rule-high-on", form).checked, minTotalSpendFen: fen(val("rule-high-spend")), minAverageOrderFen: fen(val("rule-high-aov")) },
        categoryFans: val("rule-fans").split("\n").map((l) => l.trim()).filter(Boolean).map((l) => {
          const [tag, category, minOrders] = l.split(/[,，]/).map((x) => (x || "").trim());
          return { tag, category, minOrders: /^\d+$/.test(minOrders || "") ? parseInt(minOrders, 10) : null };
        }),
        loyalViewer: { tag: val("rule-loyal-tag"), enabled: $("#rule-loyal-on", form).checked, minLives: int("rule-loyal-lives") },
        lapsed: { tag: val("rule-lapsed-tag"), enabled: $("#rule-lapsed-on", form).checked, days: int("rule-lapsed-days") },
        kocCandidate: { tag: val("rule-koc-tag"), enabled: $("#rule-koc-on", form).checked, minPhotoReviews: int("rule-koc-photos"), minReferrals: int("rule-koc-referrals") },
      };
      const saved = await ctx.api("PUT", `/api/chains/${enc(ctx.state.me.chainId)}/tag-rules`, { body });
      SC.toast(SC.t("crm.saved"));
      drawRules(root, saved, editable, ctx);
    });
  }

  // ---- the new-campaign form: targeted tags -------------------------------------------------------------------------

  function tagNames(rules) {
    return [].concat(rules.highValue.enabled ? [rules.highValue.tag] : [], rules.categoryFans.map((f) => f.tag),
      rules.loyalViewer.enabled ? [rules.loyalViewer.tag] : [], rules.lapsed.enabled ? [rules.lapsed.tag] : [], rules.kocCandidate.enabled ? [rules.kocCandidate.tag] : []);
  }

  function newCampaignForm(form, ctx) {
    const box = h("div", { id: "target-tags", class: "choices" });
    const set = h("fieldset", { id: "targeting" }, tx("legend", "crm.targeting"), tx("p", "crm.targetingHint", { class: "hint" }), box);
    form.insertBefore(set, $("#campaign-error", form));
    ctx.api("GET", `/api/chains/${enc(ctx.state.me.chainId)}/tag-rules`).then((rules) => {
      SC.fill(box, tagNames(rules).map((tag, i) => h("label", { class: "choice", for: "target-tag-" + i },
        h("input", { type: "checkbox", id: "target-tag-" + i, name: "targetTags", value: tag }), " ", tag)));
    }).catch(() => { set.hidden = true; });
  }

  function newCampaignBody(form) {
    const tags = $$("input[name=targetTags]:checked", form).map((c) => c.value);
    return tags.length ? { targetTags: tags } : {};
  }

  // ---- the campaign page: targeting, reach and trials ---------------------------------------------------------------

  function campaignPage(root, campaignId, ctx) {
    const path = "/api/campaigns/" + enc(campaignId);
    const crmCard = h("section", { class: "card", id: "crm-targeting" }, tx("h3", "crm.targets"), h("p", { id: "campaign-target-tags" }), h("div", { id: "tag-reach" }));
    const inviteForm = h("form", { id: "trial-form" },
      h("div", { class: "row" }, labelled("trial-member", "trial.member", { name: "memberId" }, "select"), labelled("trial-item", "trial.item", { name: "itemId" }, "select"),
        tx("button", "trial.invite", { type: "submit", id: "trial-invite", class: "primary" })),
      errorBox("trial-error"));
    const trialsCard = h("section", { class: "card", id: "trials" }, tx("h3", "trial.heading"), tx("p", "trial.onlyBefore", { class: "hint" }), inviteForm, h("ul", { id: "trial-list", class: "list-plain" }));
    root.append(crmCard, trialsCard);

    ctx.api("GET", path + "/target-tags").then((t) => {
      $("#campaign-target-tags").textContent = t.targetTags.length ? t.targetTags.join("、") : SC.t("crm.noTargets");
    }).catch(() => {});
    ctx.api("GET", path + "/tag-reach").then((list) => {
      if (!list.length) return;
      SC.fill($("#tag-reach"), tx("h4", "crm.reach"), h("table", { id: "tag-reach-table" },
        h("thead", {}, h("tr", {}, tx("th", "crm.tag"), tx("th", "crm.reached", { class: "num" }), tx("th", "crm.ordered", { class: "num" }), tx("th", "crm.rate", { class: "num" }))),
        h("tbody", {}, list.map((r) => h("tr", {}, h("td", {}, r.tag), h("td", { class: "num" }, String(r.reached)), h("td", { class: "num" }, String(r.ordered)),
          h("td", { class: "num" }, r.rate == null ? "—" : Math.round(r.rate * 100) + "%"))))));
    }).catch(() => {});

    async function loadTrials() {
      const list = await ctx.api("GET", path + "/trials");
      SC.fill($("#trial-list"), list.length ? list.map((t) => h("li", { class: "trial", "data-trial-id": t.trialId, "data-status": t.status },
        h("strong", {}, t.maskedName), " · ", t.itemName, " · ", h("span", { class: "badge trial-status" }, SC.t("trial.status." + t.status)),
        t.text ? h("p", { class: "trial-text" }, t.text) : null,
        t.photoUrls.length ? h("div", { class: "trial-photos" }, t.photoUrls.map((u) => h("img", { src: u, alt: t.itemName, width: 72, height: 72, loading: "lazy" }))) : null,
        t.status === "submitted" ? tx("button", "trial.approve", { type: "button", class: "trial-approve", onclick: async (event) => {
          event.target.disabled = true;
          try { await ctx.api("POST", `${path}/trials/${enc(t.trialId)}/approve`, { body: {} }); SC.toast(SC.t("trial.approvedToast")); await loadTrials(); }
          catch (e) { SC.showError($("#trial-error"), e); event.target.disabled = false; }
        } }) : null))
        : [tx("li", "trial.none", { class: "muted" })]);
    }

    ctx.api("GET", path).then(async (c) => {
      SC.fill($("#trial-item"), c.items.map((i) => h("option", { value: i.itemId }, i.name)));
      const members = await ctx.api("GET", `/api/stores/${enc(c.storeId)}/members`);
      // KOC candidates first: they are who a leader usually invites.
      members.sort((a, b) => Number(b.tags.includes("KOC候选")) - Number(a.tags.includes("KOC候选")));
      SC.fill($("#trial-member"), members.map((m) => h("option", { value: m.memberId }, m.name + (m.tags.length ? `（${m.tags.join("、")}）` : ""))));
      await loadTrials();
    }).catch((e) => SC.showError($("#trial-error"), e));

    wire(inviteForm, $("#trial-error"), async () => {
      await ctx.api("POST", path + "/trials", { body: { memberId: inviteForm.memberId.value, itemId: inviteForm.itemId.value } });
      SC.toast(SC.t("trial.invited"));
      await loadTrials();
    });
  }

  (window.SCConsoleExtensions = window.SCConsoleExtensions || []).push({
    views: [{ name: "tags", navKey: "nav.tags", roles: ["admin", "leader"], render: renderTags }],
    newCampaignForm,
    newCampaignBody,
    campaignPage,
  });
})();
