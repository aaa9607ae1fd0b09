// 回访任务 on a campaign's page: the D+3 call list (who to call, why, her phone) and 已回访 per neighbour, with a note.
// The store's leader sees phones in full; the chain's admin sees them masked. Loaded before console.js, which calls the
// campaign hook through window.SCConsoleExtensions.
"use strict";

(function () {
  SC.addStrings({
    zh: {
      "followup.heading": "回访任务（{n}）", "followup.empty": "暂时没有需要回访的邻居。", "followup.hint": "成团后这里列出需要打电话回访的邻居和原因；回访后点“已回访”。",
      "followup.done": "已回访", "followup.doneAt": "已回访 · {time}", "followup.note": "回访备注（选填）", "followup.call": "拨打",
      "followup.reason.first-order": "首次下单", "followup.reason.low-score": "评价偏低", "followup.reason.not-picked-up": "还没提货",
      "followup.reason.group-missed": "未成团", "followup.score": "满意度 {s} · 推荐 {n}",
    },
    en: {
      "followup.heading": "Follow-up calls ({n})", "followup.empty": "No neighbour to call right now.", "followup.hint": "After the group closes, the neighbours to call and why are listed here; press “Called” once done.",
      "followup.done": "Called", "followup.doneAt": "Called · {time}", "followup.note": "Call note (optional)", "followup.call": "Call",
      "followup.reason.first-order": "First order", "followup.reason.low-score": "Low rating", "followup.reason.not-picked-up": "Not picked up",
      "followup.reason.group-missed": "Group missed", "followup.score": "Satisfaction {s} · NPS {n}",
    },
  });

  const h = SC.el;
  const tx = (tag, key, attrs) => h(tag, Object.assign({ "data-i18n": key }, attrs || {}), SC.t(key));
  const time = (iso) => new Date(iso).toLocaleString(SC.lang() === "en" ? "en-GB" : "zh-CN", { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });

  function campaignPage(root, campaignId, ctx) {
    const me = ctx.state && ctx.state.me;
    if (!me || (me.role !== "leader" && me.role !== "admin")) return;
    const path = "/api/campaigns/" + encodeURIComponent(campaignId) + "/follow-up-tasks";
    const heading = h("h3", { id: "followup-heading" });
    const list = h("ul", { id: "followup-list", class: "list-plain followup-list" });
    const error = h("p", { id: "followup-error", class: "error", role: "alert", hidden: true });
    const refresh = tx("button", "common.refresh", { type: "button", id: "followup-refresh" });
    const card = h("section", { class: "card", id: "followup-card" },
      h("div", { class: "view-title" }, heading, refresh), tx("p", "followup.hint", { class: "hint" }), error, list);
    root.append(card);

    function row(task) {
      const reasons = h("span", { class: "followup-reasons" }, ...task.reasons.map((r) => h("span", { class: "badge", "data-reason": r }, SC.t("followup.reason." + r))));
      const phone = me.role === "leader" && task.phone
        ? h("a", { href: "tel:" + task.phone, class: "followup-phone", "aria-label": SC.t("followup.call") + " " + task.name }, task.phone)
        : h("span", { class: "followup-phone" }, task.phone);
      const score = task.satisfaction != null ? h("span", { class: "muted" }, SC.t("followup.score", { s: task.satisfaction, n: task.nps == null ? "—" : task.nps })) : null;
      const li = h("li", { "data-member": task.memberId, class: task.done ? "followup-task done" : "followup-task" }, h("strong", {}, task.name), " ", phone, " ", reasons, " ", score || "");
      if (task.done) {
        li.append(h("span", { class: "followup-done muted" }, SC.t("followup.doneAt", { time: time(task.doneAt) }) + (task.note ? " · " + task.note : "")));
        return li;
      }

      const note = h("input", { type: "text", maxlength: "200", class: "followup-note", placeholder: SC.t("followup.note"), "aria-label": SC.t("followup.note") });
      const done = tx("button", "followup.done", { type: "button", class: "followup-mark" });
      done.addEventListener("click", async () => {
        done.disabled = true;
        try {
          await ctx.api("POST", path + "/" + encodeURIComponent(task.memberId) + "/done", { body: { note: note.value.trim() || null } });
          SC.toast(SC.t("followup.done") + " · " + task.name);
          await load();
        } catch (e) {
          done.disabled = false;
          error.hidden = false;
          error.textContent = e.message;
        }
      });
      li.append(" ", note, " ", done);
      return li;
    }

    async function load() {
      try {
        const tasks = await ctx.api("GET", path);
        error.hidden = true;
        heading.textContent = SC.t("followup.heading", { n: tasks.filter((t) => !t.done).length });
        SC.fill(list, tasks.length ? tasks.map(row) : tx("li", "followup.empty", { class: "muted" }));
      } catch (e) {
        error.hidden = false;
        error.textContent = e.message;
      }
    }

    refresh.addEventListener("click", load);
    load();
  }

  (window.SCConsoleExtensions = window.SCConsoleExtensions || []).push({ campaignPage });
})();
