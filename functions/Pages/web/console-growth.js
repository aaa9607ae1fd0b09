// The console's 会员成长 view (#/growth): the store's referral leaderboard with a copy-ready shout-out for the live,
// and for the chain admin the growth settings (referral rewards, purchase points, levels) and manual points
// adjustments; on a campaign's page, a button that thanks the store's top referrers in the live room (event shoutOut).
// Loaded before console.js, which renders the view and calls the campaign hook through window.SCConsoleExtensions.
"use strict";

(function () {
  SC.addStrings({
    zh: {
      "nav.growth": "会员成长", "growth.heading": "会员成长：老带新与积分",
      "growth.board": "老带新排行榜", "growth.store": "门店", "growth.rank": "名次", "growth.name": "邻居", "growth.referred": "邀请人数",
      "growth.rewarded": "已得奖励", "growth.boardEmpty": "还没有邻居通过邀请码加入。", "growth.shout": "复制直播喊话",
      "growth.shoutText": "🎉 感谢老带新之星：{list}！邀请邻居加入，首单自提后双方都有积分奖励～",
      "growth.shoutLine": "{name} 邀请了 {n} 位邻居",
      "growth.settings": "成长规则", "growth.referrerPoints": "邀请人奖励积分", "growth.refereePoints": "新邻居奖励积分",
      "growth.rate": "每消费 1 元得积分", "growth.levels": "会员等级（每行：名称,最低积分,特权1/特权2[,会员价]；写“会员价”的等级下单享商品会员价）",
      "growth.save": "保存规则", "growth.memberPriceFlag": "会员价", "growth.badLevels": "等级格式：每行“名称,最低积分,特权1/特权2[,会员价]”，积分为整数。",
      "growth.adjust": "手动调整积分", "growth.search": "搜索会员（姓名或手机尾号）", "growth.find": "搜索",
      "growth.member": "会员", "growth.memberLine": "{name} {maskedPhone} · {level} · {balance} 积分", "growth.noMembers": "没有找到会员。", "growth.amount": "积分（负数为扣减）", "growth.reason": "原因",
      "growth.adjustSubmit": "确认调整", "growth.adjusted": "已调整，当前余额 {balance} 积分", "growth.pickMember": "请先搜索并选择会员。",
      "problem.insufficient-points": "积分不足，不能扣减这么多。",
      "growth.spendRate": "积分抵扣：多少积分抵 1 元（0 为不开启）", "growth.spendShare": "积分最多抵扣订单金额的百分比（0 为不开启）",
      "growth.liveShout": "老带新之星", "growth.liveShoutButton": "在直播间感谢老带新之星",
      "growth.liveShoutHint": "把本店邀请邻居最多的前 3 位（只显示打码姓名）展示在直播间，约 30 秒。预热或直播中可用，每 10 秒最多一次。",
      "growth.liveShoutSent": "已在直播间展示：{list}",
      "problem.nothing-to-show": "还没有邻居通过邀请码加入，暂时没有可以感谢的老带新之星。",
    },
    en: {
      "nav.growth": "Growth", "growth.heading": "Growth: referrals and points",
      "growth.board": "Referral leaderboard", "growth.store": "Store", "growth.rank": "Rank", "growth.name": "Neighbour", "growth.referred": "Referred",
      "growth.rewarded": "Rewarded", "growth.boardEmpty": "No neighbour has joined with a referral code yet.", "growth.shout": "Copy live shout-out",
      "growth.shoutText": "🎉 Thanks to our top referrers: {list}! Invite a neighbour: after their first pickup you both earn points.",
      "growth.shoutLine": "{name} brought {n}",
      "growth.settings": "Growth rules", "growth.referrerPoints": "Referrer reward points", "growth.refereePoints": "New member reward points",
      "growth.rate": "Points per yuan spent", "growth.levels": "Levels (one per line: name,min points,privilege1/privilege2[,member price]; levels marked \"member price\" order at items' member prices)",
      "growth.save": "Save rules", "growth.memberPriceFlag": "member price", "growth.badLevels": "Levels: one per line \"name,min points,privilege1/privilege2[,member price]\", points a whole number.",
      "growth.adjust": "Adjust points", "growth.search": "Find a member (name or phone tail)", "growth.find": "Search",
      "growth.member": "Member", "growth.memberLine": "{name} {maskedPhone} · {level} · {balance} points", "growth.noMembers": "No member found.", "growth.amount": "Points (negative deducts)", "growth.reason": "Reason",
      "growth.adjustSubmit": "Adjust", "growth.adjusted": "Adjusted; balance now {balance} points", "growth.pickMember": "Search and choose a member first.",
      "problem.insufficient-points": "Not enough points to deduct that many.",
      "growth.spendRate": "Paying with points: points per ¥1 off (0: off)", "growth.spendShare": "Points pay at most this % of an order (0: off)",
      "growth.liveShout": "Top referrers", "growth.liveShoutButton": "Thank top referrers in the live room",
      "growth.liveShoutHint": "Shows the store's top 3 referrers (masked names only) in the live room for about 30 s. During preheat or live, at most once per 10 s.",
      "growth.liveShoutSent": "Shown in the live room: {list}",
      "problem.nothing-to-show": "No neighbour has joined with a referral code yet, so there is no referrer to thank.",
    },
  });

  function render(app, k) {
    const parts = [k.viewTitle("growth.heading"), leaderboardCard(k)];
    if (k.state.me.role === "admin") parts.push(settingsCard(k), adjustCard(k));
    SC.fill(app, ...parts);
  }

  function storeSelect(k, id) {
    const { state, field, fillSelect } = k;
    const wrap = field(id, "growth.store", { name: "storeId" }, "select");
    fillSelect(wrap.querySelector("select"), state.stores.map((s) => ({ value: s.storeId, label: s.name })));
    return wrap;
  }

  function leaderboardCard(k) {
    const { state, h, tx, api, errorBox, copyText } = k;
    const me = state.me;
    const body = h("tbody");
    const empty = tx("p", "growth.boardEmpty", { class: "muted", hidden: true });
    const shout = tx("button", "growth.shout", { type: "button", id: "growth-shout", disabled: true });
    const box = errorBox("growth-board-error");
    const picker = me.role === "admin" ? storeSelect(k, "growth-board-store") : null;
    let lines = [];
    async function load() {
      const storeId = picker ? picker.querySelector("select").value : me.storeId;
      if (!storeId) return;
      try {
        const board = await api("GET", `/api/stores/${encodeURIComponent(storeId)}/referral-leaderboard?top=10`);
        lines = board.referrers;
        SC.fill(body, lines.map((r) => h("tr", {}, h("td", {}, String(r.rank)), h("td", {}, r.maskedName), h("td", {}, String(r.referred)), h("td", {}, String(r.rewarded)))));
        empty.hidden = lines.length > 0;
        shout.disabled = lines.length === 0;
        SC.showError(box, null);
      } catch (e) { SC.showError(box, e); }
    }
    shout.addEventListener("click", () => {
      const list = lines.slice(0, 3).map((r) => SC.t("growth.shoutLine", { name: r.maskedName, n: r.referred })).join("、");
      copyText(SC.t("growth.shoutText", { list }));
    });
    if (picker) picker.querySelector("select").addEventListener("change", load);
    load();
    return h("section", { class: "card", id: "growth-board" }, tx("h3", "growth.board"), picker, box,
      h("div", { class: "table-wrap" }, h("table", { id: "leaderboard" },
        h("thead", {}, h("tr", {}, tx("th", "growth.rank"), tx("th", "growth.name"), tx("th", "growth.referred"), tx("th", "growth.rewarded"))), body)),
      empty, h("div", { class: "actions" }, shout));
  }

  function levelsText(levels) {
    return levels.map((l) => [l.name, l.minPoints, (l.privileges || []).join("/"), ...(l.memberPrice ? [SC.t("growth.memberPriceFlag")] : [])].join(",")).join("\n");
  }

  function parseLevels(text) {
    return text.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
      const [name, min, privileges, flag] = line.split(/[,，]/).map((p) => (p || "").trim());
      if (!/^\d+$/.test(min || "")) throw new Error(SC.t("growth.badLevels"));
      const memberPrice = /^(会员价|member price)$/i.test(flag || "");
      if (flag && !memberPrice) throw new Error(SC.t("growth.badLevels"));
      return { name, minPoints: Number(min), privileges: privileges ? privileges.split("/").map((p) => p.trim()).filter(Boolean) : [], memberPrice };
    });
  }

  function settingsCard(k) {
    const { state, h, tx, api, field, errorBox, onSubmit } = k;
    const path = `/api/chains/${encodeURIComponent(state.me.chainId)}/growth-settings`;
    const form = h("form", { id: "growth-settings-form" },
      field("growth-referrer", "growth.referrerPoints", { type: "number", min: 0, max: 10000, name: "referrerRewardPoints" }),
      field("growth-referee", "growth.refereePoints", { type: "number", min: 0, max: 10000, name: "refereeRewardPoints" }),
      field("growth-rate", "growth.rate", { type: "number", min: 0, max: 100, name: "purchasePointsPerYuan" }),
      field("growth-spend-rate", "growth.spendRate", { type: "number", min: 0, max: 10000, name: "spendPointsPerYuan" }),
      field("growth-spend-share", "growth.spendShare", { type: "number", min: 0, max: 100, name: "maxPointsSharePercent" }),
      field("growth-levels", "growth.levels", { rows: 4, name: "levels" }, "textarea"),
      errorBox("growth-settings-error"),
      h("div", { class: "actions" }, tx("button", "growth.save", { type: "submit", class: "primary", id: "growth-save" })));
    const $ = (id) => form.querySelector("#" + id);
    const show = (s) => {
      $("growth-referrer").value = s.referrerRewardPoints;
      $("growth-referee").value = s.refereeRewardPoints;
      $("growth-rate").value = s.purchasePointsPerYuan;
      $("growth-spend-rate").value = s.spendPointsPerYuan || 0;
      $("growth-spend-share").value = s.maxPointsSharePercent || 0;
      $("growth-levels").value = levelsText(s.levels);
    };
    api("GET", path).then(show).catch((e) => SC.showError($("growth-settings-error"), e));
    onSubmit(form, $("growth-settings-error"), async () => {
      const body = {
        referrerRewardPoints: Number($("growth-referrer").value), refereeRewardPoints: Number($("growth-referee").value),
        purchasePointsPerYuan: Number($("growth-rate").value), levels: parseLevels($("growth-levels").value),
        spendPointsPerYuan: Number($("growth-spend-rate").value), maxPointsSharePercent: Number($("growth-spend-share").value),
      };
      show(await api("PUT", path, { body }));
      SC.toast(SC.t("common.saved"));
    });
    return h("section", { class: "card", id: "growth-settings" }, tx("h3", "growth.settings"), form);
  }

  function adjustCard(k) {
    const { h, tx, api, field, errorBox, onSubmit, intentKey, fillSelect } = k;
    const store = storeSelect(k, "growth-adjust-store");
    const search = field("growth-q", "growth.search", { name: "q", maxlength: 20 });
    const find = tx("button", "growth.find", { type: "button", id: "growth-find" });
    const member = field("growth-member", "growth.member", { name: "memberId" }, "select");
    const form = h("form", { id: "growth-adjust-form" }, store, search, h("div", { class: "actions" }, find), member,
      field("growth-amount", "growth.amount", { type: "number", min: -100000, max: 100000, name: "amount" }),
      field("growth-reason", "growth.reason", { name: "reason", maxlength: 100 }),
      errorBox("growth-adjust-error"),
      h("div", { class: "actions" }, tx("button", "growth.adjustSubmit", { type: "submit", class: "primary", id: "growth-adjust-submit" })),
      h("p", { id: "growth-adjust-result", class: "success", role: "status", hidden: true }));
    const $ = (id) => form.querySelector("#" + id);
    find.addEventListener("click", async () => {
      try {
        const q = $("growth-q").value.trim();
        const rows = await api("GET", `/api/stores/${encodeURIComponent($("growth-adjust-store").value)}/member-points${q ? "?q=" + encodeURIComponent(q) : ""}`);
        fillSelect($("growth-member"), rows.map((m) => ({ value: m.memberId, label: SC.t("growth.memberLine", m) })));
        SC.showError($("growth-adjust-error"), rows.length ? null : new Error(SC.t("growth.noMembers")));
      } catch (e) { SC.showError($("growth-adjust-error"), e); }
    });
    onSubmit(form, $("growth-adjust-error"), async () => {
      $("growth-adjust-result").hidden = true;
      const memberId = $("growth-member").value;
      if (!memberId) throw new Error(SC.t("growth.pickMember"));
      const body = { amount: Number($("growth-amount").value), reason: $("growth-reason").value.trim() };
      const r = await api("POST", `/api/members/${encodeURIComponent(memberId)}/points/adjustments`, { body, idempotencyKey: intentKey(form, { memberId, body }) });
      const result = $("growth-adjust-result");
      result.hidden = false;
      result.textContent = SC.t("growth.adjusted", { balance: r.balance });
    });
    return h("section", { class: "card", id: "growth-adjust" }, tx("h3", "growth.adjust"), form);
  }

  // ---- the campaign page: thank the top referrers in the live room ----------------------------------------------------

  function campaignPage(root, campaignId, ctx) {
    const h = SC.el;
    const tx = (tag, key, attrs) => h(tag, Object.assign({ "data-i18n": key }, attrs || {}), SC.t(key));
    const button = tx("button", "growth.liveShoutButton", { type: "button", id: "live-shout", class: "primary" });
    const result = h("p", { id: "live-shout-result", class: "success", role: "status", hidden: true });
    const box = h("div", { id: "live-shout-error", class: "error", role: "alert", hidden: true });
    button.addEventListener("click", async () => {
      button.disabled = true;
      result.hidden = true;
      try {
        const sent = await ctx.api("POST", `/api/campaigns/${encodeURIComponent(campaignId)}/shout-outs`, { body: { top: 3 } });
        SC.showError(box, null);
        result.hidden = false;
        result.textContent = SC.t("growth.liveShoutSent", {
          list: sent.referrers.map((r) => SC.t("growth.shoutLine", { name: r.maskedName, n: r.referred })).join("、"),
        });
      } catch (e) { SC.showError(box, e); } finally { button.disabled = false; }
    });
    const card = h("section", { class: "card", id: "live-shout-card" }, tx("h3", "growth.liveShout"), tx("p", "growth.liveShoutHint", { class: "hint" }),
      box, h("div", { class: "actions" }, button), result);
    // Next to the live interaction (comments and polls) when the page has it.
    const lifecycle = root.querySelector("#lifecycle");
    if (lifecycle) lifecycle.after(card); else root.append(card);
  }

  (window.SCConsoleExtensions = window.SCConsoleExtensions || []).push({
    views: [{ name: "growth", navKey: "nav.growth", roles: ["admin", "leader"], render }],
    campaignPage,
  });
})();
