// The console at / for the platform operator, chain admins (HQ) and leaders (团长): sign in with a key, manage stores,
// leaders and products, open campaigns and run them live. Plain browser JavaScript on top of common.js (window.SC).
"use strict";

(function () {
  const KEY_STORAGE = "sc.console.key";
  const h = SC.el;
  const $ = (selector, root) => (root || document).querySelector(selector);
  const $$ = (selector, root) => Array.from((root || document).querySelectorAll(selector));

  // Lifecycle actions allowed from each phase (API.md "Lifecycle").
  const ACTIONS = {
    draft: ["preheat", "go-live", "cancel"],
    preheat: ["go-live", "cancel"],
    live: ["close", "cancel"],
    closed: ["fulfil"],
    fulfilling: ["follow-up"],
    followUp: ["complete"],
  };
  const AFTER_CLOSE = ["closed", "fulfilling", "followUp", "completed"];
  // Extensions (console-crm.js) plug in here: extra nav links, views, campaign-form fields and campaign-page cards.
  // Add-ons (console-growth.js, console-crm.js), loaded before this script, register in window.SCConsoleExtensions:
  // { views: [{ name, navKey, roles, render(app, kit) }], newCampaignForm(form, ctx), newCampaignBody(form), campaignPage(root, campaignId, ctx),
  //   productCard(li, product, ctx) }.
  const extensions = () => window.SCConsoleExtensions || [];
  const hooks = (name, ...args) => extensions().filter((e) => typeof e[name] === "function").map((e) => e[name](...args));
  const extCtx = () => ({ api, state });

  SC.addStrings({
    zh: {
      "console.title": "团长控制台", "nav.label": "控制台导航", "common.loading": "加载中…", "common.copy": "复制", "common.copied": "已复制",
      "common.none": "暂无", "common.optional": "（选填）", "common.back": "← 返回概览", "common.saved": "已保存", "common.refresh": "刷新",
      "common.confirm": "确认", "common.dismiss": "先不了", "common.dash": "—",
      "role.platform": "平台运营", "role.admin": "总部管理员", "role.leader": "团长", "role.member": "会员",
      "signin.heading": "登录控制台", "signin.key": "密钥", "signin.submit": "登录", "signin.signout": "退出",
      "signin.hint": "团长密钥由总部管理员在“团长”页生成后发给你（以 scl_ 开头，只显示一次，请妥善保存）；总部管理员密钥在创建连锁时获得。本机演示：infra/run.sh --demo 会打印一个团长密钥。",
      "signin.empty": "请输入密钥。", "signin.wrong": "密钥不正确或已失效，请检查后重试（密钥区分大小写）。",
      "signin.member": "这是会员令牌。会员请打开团长分享的直播间链接。", "signin.expired": "密钥已失效（可能已被更换），请重新登录。",
      "nav.home": "概览", "nav.new": "新建开团", "nav.stores": "门店", "nav.leaders": "团长", "nav.products": "商品", "nav.settings": "设置", "nav.chains": "连锁",
      "secret.warning": "只显示这一次：请立即复制并妥善保存，离开本页后无法再查看。",
      "chain.heading": "创建连锁", "chain.name": "连锁名称", "chain.timeZone": "时区（IANA）", "chain.submit": "创建连锁",
      "chain.created": "连锁已创建：{name}（{chainId}）", "chain.adminKey": "管理员密钥", "chain.useKey": "用这个管理员密钥登录",
      "chain.intro": "平台密钥只用来创建连锁。每个连锁得到一个管理员密钥，交给连锁总部。",
      "home.heading": "{chain} · 概览", "campaigns.heading": "开团列表", "campaigns.empty": "还没有开团。点“新建开团”开始第一场。",
      "campaigns.live": "直播 {time}",
      "dash.heading": "数据看板", "dash.from": "开始日期", "dash.to": "结束日期（不含）", "dash.store": "门店", "dash.allStores": "全部门店",
      "dash.submit": "查询", "dash.period": "统计区间：{from} 至 {to}（按直播开始时间）", "dash.perStore": "各门店",
      "dash.cohorts": "复购率（按首单月份）", "dash.cohort.month": "首单月份", "dash.cohort.buyers": "买家", "dash.cohort.repeat": "复购买家",
      "dash.activity": "会员活跃", "dash.activity.buyers": "下单会员", "dash.activity.new": "新买家", "dash.activity.returning": "老买家",
      "dash.activity.newMembers": "新入会会员", "dash.weekly": "每周下单会员（周一起）", "dash.noData": "暂无数据",
      "dash.referrals": "老带新", "dash.ref.referred": "经推荐入会", "dash.ref.share": "推荐入会占比", "dash.ref.rewarded": "已发放推荐奖励",
      "dash.ref.points": "推荐奖励积分", "dash.tags": "会员标签（人数）",
      "dash.n": "n={n}", "dash.trends": "每周趋势（周一起，按直播开始时间）", "dash.trends.gmv": "每周成交额", "dash.week": "周（周一）",
      "dash.perLeader": "团长表现", "th.leader": "团长",
      "m.campaigns": "开团场次", "m.orders": "订单数", "m.buyers": "下单人数", "m.gmvFen": "成交额", "m.averageOrderValueFen": "客单价",
      "m.repurchaseRate": "复购率", "m.groupSuccessRate": "成团率", "m.reviewRate": "评价率", "m.photoRate": "晒单率", "m.nps": "NPS",
      "m.reservationToBuyerRate": "预约转化率", "m.cancelledOrders": "取消订单", "m.sellOutSeconds": "售罄用时", "m.reservations": "预约人数",
      "m.averageRating": "平均评分", "m.fulfilledOrders": "已履约订单",
      "stores.heading": "门店", "stores.name": "门店名称", "stores.address": "地址", "stores.submit": "添加门店", "stores.created": "门店已添加：{name}",
      "stores.create": "添加门店", "stores.empty": "还没有门店。",
      "leaders.heading": "团长", "leaders.create": "添加团长", "leaders.name": "团长姓名", "leaders.store": "所属门店", "leaders.submit": "添加团长",
      "leaders.key": "{name} 的团长密钥", "leaders.rotate": "更换密钥", "leaders.rotateConfirm": "更换后旧密钥立即失效，确定更换 {name} 的密钥？",
      "leaders.empty": "还没有团长。", "leaders.created": "团长已添加", "th.name": "姓名", "th.store": "门店", "th.created": "创建时间", "th.actions": "操作",
      "products.heading": "商品", "products.create": "添加商品", "products.name": "商品名称", "products.category": "品类", "products.unit": "单位",
      "products.origin": "产地", "products.batch": "批次", "products.story": "溯源故事", "products.submit": "添加商品", "products.created": "商品已添加：{name}",
      "products.empty": "还没有商品。", "products.reports": "检测报告：", "products.noReports": "还没有检测报告",
      "products.file": "上传检测报告（PDF、PNG 或 JPEG，最大 10 MB）", "products.upload": "上传", "products.uploaded": "已上传：{name}",
      "products.chooseFile": "请先选择文件。", "products.tooLarge": "文件太大：检测报告最大 10 MB。",
      "settings.heading": "设置", "settings.rotate": "更换管理员密钥", "settings.rotateHint": "更换后旧密钥立即失效；本控制台会自动改用新密钥。",
      "settings.rotateConfirm": "确定更换管理员密钥？", "settings.newKey": "新的管理员密钥", "settings.chain": "连锁 ID：{chainId} · 时区：{tz}",
      "new.heading": "新建开团", "new.title": "开团标题", "new.store": "门店", "new.leader": "团长", "new.noLeader": "该门店还没有团长",
      "new.items": "商品", "new.item": "商品 {n}", "new.product": "选择商品", "new.price": "团购价（元）", "new.livePrice": "直播价（元，选填）", "new.memberPrice": "会员价（元，选填，享会员价的等级可用）",
      "new.stock": "库存", "new.minGroup": "成团数量", "new.limit": "每人限购（选填）", "new.addItem": "添加商品", "new.removeItem": "删除",
      "new.removeLabel": "删除商品 {n}", "new.schedule": "时间安排（{tz}）", "new.preheat": "预热开始", "new.start": "直播开始",
      "new.end": "直播结束（截单）", "new.pickup": "自提截止（选填，默认结束后 48 小时）", "new.followUp": "回访延后小时数（选填，默认 24）",
      "new.submit": "创建开团", "new.noProducts": "商品库还是空的，请先添加商品。", "new.pickProduct": "请选择商品",
      "new.yuanInvalid": "请输入金额，例如 12.50", "new.fix": "请检查标红的字段。", "new.created": "开团已创建",
      "c.back": "← 返回", "c.store": "门店：{name} · {address}", "c.viewers": "在线观看", "c.preheatAt": "预热", "c.liveStartAt": "开播",
      "c.liveEndAt": "截单", "c.pickupUntil": "自提截止", "c.share": "会员直播间链接（可发到邻居微信群）：", "c.lifecycle": "流程",
      "c.history": "状态记录", "c.noHistory": "还没有状态变化。", "c.cancelConfirm": "取消开团会取消全部订单并退回库存，且无法恢复。确定取消本次开团？",
      "c.closeConfirm": "截单后邻居不能再下单；系统会核算成团、生成提货码并通知会员。确定现在截单？",
      "c.confirmTitle.close": "确认截单", "c.confirmTitle.cancel": "确认取消开团",
      "alert.soundOn": "声音提醒：开", "alert.soundOff": "声音提醒：关", "alert.title.order": "【新订单】", "alert.title.question": "【新提问】",
      "c.notFound": "找不到这个开团。", "c.items": "商品与库存", "th.item": "商品", "th.price": "价格", "th.remaining": "剩余库存",
      "th.sold": "已售", "th.group": "成团进度", "th.pin": "置顶", "c.pin": "置顶", "c.pinned": "置顶中", "c.groupMet": "已成团",
      "c.groupShort": "还差 {n} 份", "c.livePrice": "直播价 {price}", "c.memberPrice": "会员价 {price}",
      "action.preheat": "开始预热", "action.go-live": "开播", "action.close": "截单", "action.fulfil": "开始履约", "action.follow-up": "进入回访",
      "action.complete": "完成活动", "action.cancel": "取消开团", "action.done": "已执行：{action}", "action.none": "当前阶段无需操作。",
      "hint.draft": "不用守着按：到 {preheat} 自动预热，{start} 自动开播，{end} 自动截单。想提前也可以手动点。",
      "hint.preheat": "到 {start} 自动开播，{end} 自动截单；也可以现在手动开播。",
      "hint.live": "到 {end} 自动截单。截单后系统自动核算成团、生成提货码并通知会员。",
      "hint.closed": "正在核算成团，几秒后自动进入履约。",
      "hint.fulfilling": "会员到店出示 8 位提货码，在下方“提货核销”输入即可。全部提货或到 {pickup} 后自动进入回访。",
      "hint.followUp": "回访期间会员可填写满意度和晒单；回访结束后自动完成并生成复盘报告。",
      "cause.timer": "定时", "cause.leader": "团长操作", "cause.admin": "总部操作", "cause.sweeper": "系统巡检", "cause.soldOut": "售罄自动截单",
      "flash.heading": "限时秒杀", "flash.item": "秒杀商品", "flash.quantity": "秒杀数量", "flash.price": "秒杀价（元）",
      "flash.duration": "持续时间（秒）", "flash.gift": "前 N 单赠品（选填）", "flash.start": "开始秒杀", "flash.active": "{name} · {price} · 已抢 {sold}/{quantity}",
      "flash.left": "剩余", "flash.none": "当前没有进行中的秒杀。", "flash.started": "秒杀已开始",
      "restock.item": "补货商品", "restock.quantity": "补货数量（件）", "restock.submit": "补货",
      "restock.hint": "直播中追加库存：候补的邻居先得，其余的人随后可以下单。", "restock.done": "「{name}」已补货 {quantity} 件，现在剩余 {remaining} 件（候补预留 {held} 件）",
      "flash.giftName": "赠品名称（选填，默认“赠品”）", "flash.giftOf": "前 {n} 单送{gift}", "flash.end": "提前结束", "flash.ended": "秒杀已结束，之后按原价下单",
      "comments.heading": "评论与提问", "comments.empty": "还没有评论。", "comments.answerLabel": "回复 {name}", "comments.answer": "回复",
      "comments.answered": "团长回复：", "comments.sent": "已回复",
      "polls.heading": "投票", "polls.question": "投票问题", "polls.options": "选项（每行一个，2–6 个）", "polls.open": "发起投票",
      "polls.close": "结束投票", "polls.isOpen": "进行中", "polls.closed": "已结束", "polls.total": "共 {n} 票", "polls.empty": "还没有投票。",
      "polls.optionsInvalid": "请填写 2 到 6 个选项，每行一个。",
      "pickup.heading": "核销自提", "pickup.code": "会员出示的提货码", "pickup.verify": "核销", "pickup.ok": "核销成功：{name} · {n} 笔订单 · {items}",
      "pickup.list": "自提名单", "pickup.csv": "导出自提名单 CSV", "pickup.empty": "还没有待自提的订单。", "th.pickedUpAt": "自提时间",
      "orders.heading": "订单（{n}）", "orders.csv": "导出订单 CSV", "orders.empty": "还没有订单。", "th.member": "会员", "th.phone": "手机",
      "th.items": "商品", "th.total": "金额", "th.fulfilment": "方式", "th.status": "状态", "th.time": "下单时间",
      "fulfilment.pickup": "自提", "fulfilment.delivery": "配送", "delivery.dispatched": "标记已发货", "delivery.delivered": "标记已送达",
      "report.heading": "复盘报告", "report.pending": "复盘报告会在活动完成后自动生成；也可以现在生成一份。", "report.generate": "立即生成",
      "report.regenerate": "重新生成", "report.open": "打开复盘报告", "report.csv": "CSV", "report.json": "JSON", "report.generatedAt": "生成于 {time}",
      "notifications.heading": "通知记录（{n}）", "notifications.empty": "还没有通知。",
      "kind.preview": "开团预告", "kind.live-reminder": "开播提醒", "kind.result": "成团结果", "kind.waitlist": "候补到货", "kind.pickup-reminder": "提货提醒", "kind.survey": "回访邀请",
      "outreach.heading": "消息发送", "outreach.off": "未配置短信或微信发送，通知只记录在此。", "outreach.none": "还没有发给会员的消息。",
      "outreach.sent": "已发送 {n}", "outreach.waiting": "等待发送 {n}", "outreach.quietHours": "免打扰时段后发送 {n}", "outreach.optedOut": "会员已关闭通知 {n}",
      "outreach.unreachable": "无法送达 {n}", "outreach.failed": "发送失败 {n}",
      "csv.orders": "订单", "csv.pickups": "自提名单",
      "problem.wrong-pickup-code": "提货码不正确：请核对会员出示的 8 位数字。", "problem.already-picked-up": "这个提货码的订单都已经核销过了，请勿重复发货。",
      "problem.forbidden": "当前密钥没有这项操作的权限。", "problem.too-large": "文件太大：检测报告最大 10 MB。",
      "problem.rate-limited": "操作太频繁，请稍后再试。", "problem.not-live": "当前阶段不能进行这项操作（需在预热或直播中）。",
      "problem.invalid-transition": "当前阶段不能执行这个操作，页面已刷新为最新状态。",
    },
    en: {
      "console.title": "Leader console", "nav.label": "Console navigation", "common.loading": "Loading…", "common.copy": "Copy", "common.copied": "Copied",
      "common.none": "None", "common.optional": "(optional)", "common.back": "← Back to overview", "common.saved": "Saved", "common.refresh": "Refresh",
      "common.confirm": "Confirm", "common.dismiss": "Not now", "common.dash": "—",
      "role.platform": "Platform operator", "role.admin": "Chain admin", "role.leader": "Leader", "role.member": "Member",
      "signin.heading": "Sign in to the console", "signin.key": "Key", "signin.submit": "Sign in", "signin.signout": "Sign out",
      "signin.hint": "Your leader key comes from your chain admin, who creates it on the Leaders page (it starts with scl_ and is shown once: keep it safe). A chain admin gets theirs when the chain is created. Local demo: infra/run.sh --demo prints a leader key.",
      "signin.empty": "Enter your key.", "signin.wrong": "That key is wrong or no longer valid. Check it and try again (keys are case-sensitive).",
      "signin.member": "This is a member token. Members open the live-room link their leader shares.", "signin.expired": "Your key no longer works (it may have been rotated). Sign in again.",
      "nav.home": "Overview", "nav.new": "New campaign", "nav.stores": "Stores", "nav.leaders": "Leaders", "nav.products": "Products", "nav.settings": "Settings", "nav.chains": "Chains",
      "secret.warning": "Shown only once: copy it now and keep it somewhere safe. It cannot be shown again.",
      "chain.heading": "Create a chain", "chain.name": "Chain name", "chain.timeZone": "Time zone (IANA)", "chain.submit": "Create chain",
      "chain.created": "Chain created: {name} ({chainId})", "chain.adminKey": "Admin key", "chain.useKey": "Sign in with this admin key",
      "chain.intro": "The platform key only creates chains. Each chain gets an admin key for its HQ.",
      "home.heading": "{chain} · Overview", "campaigns.heading": "Campaigns", "campaigns.empty": "No campaigns yet. Use “New campaign” to open the first one.",
      "campaigns.live": "Live {time}",
      "dash.heading": "Dashboard", "dash.from": "From", "dash.to": "To (exclusive)", "dash.store": "Store", "dash.allStores": "All stores",
      "dash.submit": "Show", "dash.period": "Period: {from} to {to} (by live start)", "dash.perStore": "Per store",
      "dash.cohorts": "Repurchase rate by cohort (month of first order)", "dash.cohort.month": "First order", "dash.cohort.buyers": "Buyers", "dash.cohort.repeat": "Bought again",
      "dash.activity": "Member activity", "dash.activity.buyers": "Buyers", "dash.activity.new": "New buyers", "dash.activity.returning": "Returning buyers",
      "dash.activity.newMembers": "Members joined", "dash.weekly": "Buyers per week (from Monday)", "dash.noData": "No data yet",
      "dash.referrals": "Referrals", "dash.ref.referred": "Joined by referral", "dash.ref.share": "Share joined by referral", "dash.ref.rewarded": "Referrals rewarded",
      "dash.ref.points": "Referral reward points", "dash.tags": "Member tags (members)",
      "dash.n": "n={n}", "dash.trends": "Weekly trends (weeks from Monday, by live start)", "dash.trends.gmv": "Sales per week", "dash.week": "Week (Monday)",
      "dash.perLeader": "Leader performance", "th.leader": "Leader",
      "m.campaigns": "Campaigns", "m.orders": "Orders", "m.buyers": "Buyers", "m.gmvFen": "Sales", "m.averageOrderValueFen": "Avg. order value",
      "m.repurchaseRate": "Repurchase rate", "m.groupSuccessRate": "Group success", "m.reviewRate": "Review rate", "m.photoRate": "Photo rate", "m.nps": "NPS",
      "m.reservationToBuyerRate": "Reservation → buyer", "m.cancelledOrders": "Cancelled orders", "m.sellOutSeconds": "Sell-out time", "m.reservations": "Reservations",
      "m.averageRating": "Avg. rating", "m.fulfilledOrders": "Fulfilled orders",
      "stores.heading": "Stores", "stores.name": "Store name", "stores.address": "Address", "stores.submit": "Add store", "stores.created": "Store added: {name}",
      "stores.create": "Add a store", "stores.empty": "No stores yet.",
      "leaders.heading": "Leaders", "leaders.create": "Add a leader", "leaders.name": "Leader name", "leaders.store": "Store", "leaders.submit": "Add leader",
      "leaders.key": "Leader key for {name}", "leaders.rotate": "Rotate key", "leaders.rotateConfirm": "The old key stops working at once. Rotate {name}'s key?",
      "leaders.empty": "No leaders yet.", "leaders.created": "Leader added", "th.name": "Name", "th.store": "Store", "th.created": "Created", "th.actions": "Actions",
      "products.heading": "Products", "products.create": "Add a product", "products.name": "Product name", "products.category": "Category", "products.unit": "Unit",
      "products.origin": "Origin", "products.batch": "Batch", "products.story": "Traceability story", "products.submit": "Add product", "products.created": "Product added: {name}",
      "products.empty": "No products yet.", "products.reports": "Inspection reports: ", "products.noReports": "No inspection report yet",
      "products.file": "Upload an inspection report (PDF, PNG or JPEG, up to 10 MB)", "products.upload": "Upload", "products.uploaded": "Uploaded: {name}",
      "products.chooseFile": "Choose a file first.", "products.tooLarge": "The file is too large: reports are at most 10 MB.",
      "settings.heading": "Settings", "settings.rotate": "Rotate the admin key", "settings.rotateHint": "The old key stops working at once; this console switches to the new one.",
      "settings.rotateConfirm": "Rotate the admin key?", "settings.newKey": "New admin key", "settings.chain": "Chain id: {chainId} · time zone: {tz}",
      "new.heading": "New campaign", "new.title": "Campaign title", "new.store": "Store", "new.leader": "Leader", "new.noLeader": "This store has no leader yet",
      "new.items": "Items", "new.item": "Item {n}", "new.product": "Product", "new.price": "Group price (yuan)", "new.livePrice": "Live price (yuan, optional)", "new.memberPrice": "Member price (yuan, optional, for levels with member prices)",
      "new.stock": "Stock", "new.minGroup": "Group minimum (成团)", "new.limit": "Per-member limit (optional)", "new.addItem": "Add item", "new.removeItem": "Remove",
      "new.removeLabel": "Remove item {n}", "new.schedule": "Schedule ({tz})", "new.preheat": "Preheat starts", "new.start": "Live starts",
      "new.end": "Live ends (orders close)", "new.pickup": "Pickup until (optional, default 48 h after the end)", "new.followUp": "Follow-up after hours (optional, default 24)",
      "new.submit": "Create campaign", "new.noProducts": "The catalogue is empty: add a product first.", "new.pickProduct": "Choose a product",
      "new.yuanInvalid": "Enter an amount, e.g. 12.50", "new.fix": "Please check the fields marked in red.", "new.created": "Campaign created",
      "c.back": "← Back", "c.store": "Store: {name} · {address}", "c.viewers": "Watching", "c.preheatAt": "Preheat", "c.liveStartAt": "Live start",
      "c.liveEndAt": "Orders close", "c.pickupUntil": "Pickup until", "c.share": "Member live-room link (share it in the neighbours' WeChat group):", "c.lifecycle": "Lifecycle",
      "c.history": "History", "c.noHistory": "No phase changes yet.", "c.cancelConfirm": "Cancelling cancels every order and returns the stock; this cannot be undone. Cancel this campaign?",
      "c.closeConfirm": "After closing, neighbours can no longer order; the group result is worked out, pickup codes are made and members are told. Close orders now?",
      "c.confirmTitle.close": "Close orders?", "c.confirmTitle.cancel": "Cancel the campaign?",
      "alert.soundOn": "Sound alerts: on", "alert.soundOff": "Sound alerts: off", "alert.title.order": "[New order] ", "alert.title.question": "[New question] ",
      "c.notFound": "This campaign does not exist.", "c.items": "Items and stock", "th.item": "Item", "th.price": "Price", "th.remaining": "Stock left",
      "th.sold": "Sold", "th.group": "Group progress", "th.pin": "Pin", "c.pin": "Pin", "c.pinned": "Pinned", "c.groupMet": "Group reached",
      "c.groupShort": "{n} more needed", "c.livePrice": "Live {price}", "c.memberPrice": "Member {price}",
      "action.preheat": "Start preheat", "action.go-live": "Go live", "action.close": "Close orders", "action.fulfil": "Start fulfilment", "action.follow-up": "Start follow-up",
      "action.complete": "Complete", "action.cancel": "Cancel campaign", "action.done": "Done: {action}", "action.none": "Nothing to do in this phase.",
      "hint.draft": "No need to wait by the screen: preheat starts at {preheat}, live at {start}, orders close at {end}, all by themselves. You can also do it early by hand.",
      "hint.preheat": "Goes live at {start} and closes at {end} by itself; you can also go live now.",
      "hint.live": "Orders close at {end} by itself. After closing, the group result is worked out, pickup codes are made and members are told.",
      "hint.closed": "Working out the group result; fulfilment starts by itself in a few seconds.",
      "hint.fulfilling": "Members show their 8-digit pickup code at the counter: type it under Pickup below. Follow-up starts once all is picked up, or at {pickup}.",
      "hint.followUp": "Members can leave a survey and a photo review; the campaign completes and its report is written when follow-up ends.",
      "cause.timer": "timer", "cause.leader": "leader", "cause.admin": "HQ", "cause.sweeper": "system sweep", "cause.soldOut": "sold out",
      "flash.heading": "Flash sale", "flash.item": "Item", "flash.quantity": "Quantity", "flash.price": "Flash price (yuan)",
      "flash.duration": "Duration (seconds)", "flash.gift": "Gift for the first N orders (optional)", "flash.start": "Start flash sale", "flash.active": "{name} · {price} · {sold}/{quantity} sold",
      "flash.left": "Left", "flash.none": "No flash sale running.", "flash.started": "Flash sale started",
      "restock.item": "Item to restock", "restock.quantity": "Units to add", "restock.submit": "Restock",
      "restock.hint": "Add stock during the live: neighbours on the waitlist get it first, then anyone can order.", "restock.done": "{name}: {quantity} units added; {remaining} left now ({held} held for the waitlist)",
      "flash.giftName": "Gift name (optional, default “gift”)", "flash.giftOf": "first {n} orders get {gift}", "flash.end": "End now", "flash.ended": "Flash sale ended; later orders pay the usual price",
      "comments.heading": "Comments and questions", "comments.empty": "No comments yet.", "comments.answerLabel": "Answer {name}", "comments.answer": "Answer",
      "comments.answered": "Leader: ", "comments.sent": "Answered",
      "polls.heading": "Polls", "polls.question": "Question", "polls.options": "Options (one per line, 2–6)", "polls.open": "Open poll",
      "polls.close": "Close poll", "polls.isOpen": "Open", "polls.closed": "Closed", "polls.total": "{n} votes", "polls.empty": "No polls yet.",
      "polls.optionsInvalid": "Enter 2 to 6 options, one per line.",
      "pickup.heading": "Pickup verification", "pickup.code": "Pickup code shown by the member", "pickup.verify": "Verify", "pickup.ok": "Picked up: {name} · {n} order(s) · {items}",
      "pickup.list": "Pickup list", "pickup.csv": "Download pickup list CSV", "pickup.empty": "No pickup orders yet.", "th.pickedUpAt": "Picked up",
      "orders.heading": "Orders ({n})", "orders.csv": "Download orders CSV", "orders.empty": "No orders yet.", "th.member": "Member", "th.phone": "Phone",
      "th.items": "Items", "th.total": "Total", "th.fulfilment": "Fulfilment", "th.status": "Status", "th.time": "Ordered",
      "fulfilment.pickup": "Pickup", "fulfilment.delivery": "Delivery", "delivery.dispatched": "Mark dispatched", "delivery.delivered": "Mark delivered",
      "report.heading": "Campaign report", "report.pending": "The report appears when the campaign completes; you can also generate one now.", "report.generate": "Generate now",
      "report.regenerate": "Regenerate", "report.open": "Open the report", "report.csv": "CSV", "report.json": "JSON", "report.generatedAt": "Generated {time}",
      "notifications.heading": "Notifications ({n})", "notifications.empty": "No notifications yet.",
      "kind.preview": "Preview", "kind.live-reminder": "Live reminder", "kind.result": "Group result", "kind.waitlist": "Waitlist claim", "kind.pickup-reminder": "Pickup reminder", "kind.survey": "Survey invitation",
      "outreach.heading": "Messages sent", "outreach.off": "No SMS or WeChat sender is configured: notifications are only recorded here.", "outreach.none": "No messages to members yet.",
      "outreach.sent": "{n} sent", "outreach.waiting": "{n} waiting", "outreach.quietHours": "{n} after quiet hours", "outreach.optedOut": "{n} turned messages off",
      "outreach.unreachable": "{n} unreachable", "outreach.failed": "{n} failed",
      "csv.orders": "orders", "csv.pickups": "pickup-list",
      "problem.wrong-pickup-code": "Wrong pickup code: check the 8 digits the member shows.", "problem.already-picked-up": "This order was already picked up; do not hand it over twice.",
      "problem.forbidden": "This key may not do that.", "problem.too-large": "The file is too large: reports are at most 10 MB.",
      "problem.rate-limited": "Too many requests; try again in a moment.", "problem.not-live": "Not possible in this phase (only during preheat or live).",
      "problem.invalid-transition": "That step is not possible in the current phase; the page now shows the latest state.",
    },
  });

  const state = { key: null, me: null, stores: [], leaders: [], products: [] };
  const extraViews = (role) => extensions().flatMap((e) => e.views || []).filter((v) => v.roles.includes(role));
  let view = { cleanup: [], redraw: [] };
  let signInNotice = null;

  // ---- small helpers ----------------------------------------------------------------------------------------------

  /** An element whose text is a translated string (kept up to date by SC.translate on language change). */
  function tx(tag, key, attrs) {
    return h(tag, Object.assign({ "data-i18n": key }, attrs || {}), SC.t(key));
  }

  function errorBox(id) {
    return h("div", { id, class: "error", role: "alert", hidden: true });
  }

  /** A labelled input (or select/textarea) in a wrapper; name defaults to the id. */
  function field(id, labelKey, attrs, tag) {
    const control = h(tag || "input", Object.assign({ id, name: id }, attrs || {}));
    return h("div", { class: "field" }, tx("label", labelKey, { for: id }), control);
  }

  function fillSelect(select, options, value) {
    const keep = value !== undefined ? value : select.value;
    SC.fill(select, options.map((o) => h("option", { value: o.value }, o.label)));
    if (options.some((o) => o.value === keep)) select.value = keep;
  }

  async function api(method, path, options) {
    try {
      return await SC.api(method, path, Object.assign({ token: state.key }, options || {}));
    } catch (e) {
      if (e.status === 401 && state.key) signOut("signin.expired");
      // Fixed problem codes (API.md) get the console's own words, in the chosen language; validation keeps the API's field messages.
      if (e.code && e.code !== "validation" && SC.t("problem." + e.code) !== "problem." + e.code) e.message = SC.t("problem." + e.code);
      throw e;
    }
  }

  function clearErrors(form, box) {
    SC.showError(box, null, form);
    $$("[aria-invalid]", form).forEach((el) => el.removeAttribute("aria-invalid"));
  }

  function localError(errors) {
    return new SC.ApiError(400, { code: "validation", detail: SC.t("new.fix"), errors });
  }

  /** One Idempotency-Key per intent: the same body retried keeps its key; a changed body is a new intent. */
  function intentKey(form, body) {
    const text = JSON.stringify(body);
    if (!form.intent || form.intent.body !== text) form.intent = { body: text, key: SC.newKey() };
    return form.intent.key;
  }

  /** Wires a form: prevents the page submit, clears and shows errors, disables the submit button while busy. */
  function onSubmit(form, box, fn) {
    form.noValidate = true;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = $("button[type=submit]", form);
      clearErrors(form, box);
      if (button) button.disabled = true;
      try {
        await fn();
      } catch (e) {
        SC.showError(box, e, form);
      } finally {
        if (button) button.disabled = false;
      }
    });
  }

  async function copyText(text) {
    try {
      await navigator.clipboard.writeText(text);
    } catch (e) {
      const area = h("textarea", { class: "sr-only", "aria-hidden": "true" }, text);
      document.body.append(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    SC.toast(SC.t("common.copied"));
  }

  /** A secret shown once, with a copy button and a warning to store it. */
  function secretBox(id, labelKey, value, vars) {
    const label = h("strong", { "data-i18n": vars ? null : labelKey }, SC.t(labelKey, vars));
    return h("div", { class: "secret-box", id },
      label,
      h("code", { class: "secret" }, value),
      h("div", { class: "actions" }, h("button", { type: "button", class: "copy-secret", onclick: () => copyText(value) }, tx("span", "common.copy"))),
      tx("p", "secret.warning", { class: "warn" }));
  }

  /** An in-page confirmation (window.confirm cannot be clicked by tests or styled). */
  function confirmBox(textKey, vars, onConfirm, confirmId) {
    const box = h("div", { class: "confirm", role: "group" });
    SC.fill(box,
      h("p", {}, SC.t(textKey, vars)),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "danger", id: confirmId, onclick: async () => { box.remove(); await onConfirm(); } }, SC.t("common.confirm")),
        h("button", { type: "button", onclick: () => box.remove() }, SC.t("common.dismiss"))));
    return box;
  }

  /** Fetches a file with the console's key and hands it to the browser as a download (add-ons get it in their kit). */
  async function download(path, fileName, button, accept) {
    button.disabled = true;
    try {
      const blob = await api("GET", path, { blob: true, accept });
      const url = URL.createObjectURL(blob);
      const link = h("a", { href: url, download: fileName, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 30000);
    } catch (e) {
      SC.toast(e.message);
    } finally {
      button.disabled = false;
    }
  }

  const safeFileName = (text) => String(text || "").replace(/[\\/:*?"<>|\s]+/g, "_").slice(0, 60);
  const percent = (v) => (v === null || v === undefined ? SC.t("common.dash") : (v * 100).toFixed(1) + "%");
  const dash = (v) => (v === null || v === undefined ? SC.t("common.dash") : String(v));
  const storeName = (id) => (state.stores.find((s) => s.storeId === id) || {}).name || id;
  const phaseBadge = (phase, attrs) => h("span", Object.assign({ class: "badge " + phase, "data-phase": phase }, attrs || {}), SC.phaseLabel(phase));
  const lineText = (order) => (order.items || []).map((l) => `${l.name} ×${l.quantity}`).join("、");
  const seconds = (s) => (s === null || s === undefined ? SC.t("common.dash") : `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, "0")}`);

  function metricsList(values, keys, id) {
    const format = (k, v) => (k.endsWith("Fen") ? (v === null || v === undefined ? SC.t("common.dash") : SC.money(v))
      : k.endsWith("Rate") ? percent(v) : k === "sellOutSeconds" ? seconds(v) : k === "averageRating" && v != null ? Number(v).toFixed(1) : dash(v));
    return h("dl", { class: "metrics", id },
      keys.map((k) => h("div", { class: "metric", "data-metric": k }, tx("dt", "m." + k), h("dd", {}, format(k, values[k])))));
  }

  // ---- date hints -------------------------------------------------------------------------------------------------
  // A date input shows its value in the browser's locale, whatever the page's language. Beside each date and
  // datetime-local input in the console (add-ons' too) a hint repeats the value in the page's language, e.g.
  // "12月3日 周四 19:00" / "Thu 3 Dec 19:00". Values are wall time in the chain's zone, so no zone conversion here.

  const WEEKDAYS = { zh: ["周日", "周一", "周二", "周三", "周四", "周五", "周六"], en: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] };
  const MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const DATE_INPUTS = 'input[type="datetime-local"], input[type="date"]';
  let dateHintSeq = 0;

  /** "2026-12-03T19:00" (or "2026-12-03") in the page's language; the year only when it is not this year. */
  function formatWallDate(value) {
    const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/.exec(value || "");
    if (!m) return "";
    const year = +m[1], month = +m[2], day = +m[3];
    const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
    const time = m[4] ? `${m[4]}:${m[5]}` : "";
    const showYear = year !== new Date().getFullYear();
    if (SC.lang() === "en") return [WEEKDAYS.en[weekday], day, MONTHS_EN[month - 1], showYear ? year : "", time].filter((x) => x !== "").join(" ");
    return `${showYear ? year + "年" : ""}${month}月${day}日 ${WEEKDAYS.zh[weekday]}${time ? " " + time : ""}`;
  }

  function syncDateHint(input) {
    let hint = input.dataset.dateHint ? document.getElementById(input.dataset.dateHint) : null;
    if (!hint) {
      if (!input.id) input.id = "date-input-" + (++dateHintSeq);
      const id = input.id + "-hint";
      hint = h("span", { class: "date-hint", id, "data-date-hint-for": input.id });
      input.dataset.dateHint = id;
      input.setAttribute("aria-describedby", [input.getAttribute("aria-describedby"), id].filter(Boolean).join(" "));
      // After the input (a field error, when one appears, goes right after the input, before the hint).
      input.after(hint);
    }
    const text = formatWallDate(input.value);
    if (hint.textContent !== text) hint.textContent = text;
    if (hint.dataset.lang !== SC.lang()) hint.dataset.lang = SC.lang();
  }

  const syncDateHints = () => $$(DATE_INPUTS, $("#app")).forEach(syncDateHint);
  let dateHintsQueued = false;
  const queueDateHints = () => {
    if (dateHintsQueued) return;
    dateHintsQueued = true;
    requestAnimationFrame(() => { dateHintsQueued = false; syncDateHints(); });
  };

  function watchDateInputs() {
    const app = $("#app");
    new MutationObserver(queueDateHints).observe(app, { childList: true, subtree: true });
    const onEdit = (event) => { if (event.target.matches && event.target.matches(DATE_INPUTS)) syncDateHint(event.target); };
    app.addEventListener("input", onEdit);
    app.addEventListener("change", onEdit);
    app.addEventListener("reset", () => setTimeout(syncDateHints, 0));
    SC.onLanguageChange(syncDateHints);
  }

  // ---- live alerts ------------------------------------------------------------------------------------------------
  // A new order or question on the campaign page: a short beep (WebAudio, no audio file), a vibration where the device
  // has one, and a flashing tab title. The sound switch (stored on this device) silences beep and vibration; the title
  // still flashes. window.SCConsoleAlerts logs each alert ({kind, sound, vibrate, muted, at}) for tests and debugging.

  const SOUND_STORAGE = "sc.console.alertSound";
  const alertLog = (window.SCConsoleAlerts = window.SCConsoleAlerts || []);
  let audioContext = null;
  let lastBeepAt = 0;
  const soundOn = () => localStorage.getItem(SOUND_STORAGE) !== "off";
  // Browsers allow sound and vibration only after the person has interacted with the page (signing in counts).
  const activated = () => !navigator.userActivation || navigator.userActivation.hasBeenActive;

  function audio() {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx || !activated()) return null;
    try {
      audioContext = audioContext || new Ctx();
      if (audioContext.state === "suspended") audioContext.resume().catch(() => {});
      return audioContext;
    } catch (e) {
      return null;
    }
  }

  /** Two quick rising tones for an order, one softer tone for a question; at most one beep per 0.7 s. */
  function beep(kind) {
    const now = Date.now();
    if (now - lastBeepAt < 700) return false;
    const ctx = audio();
    if (!ctx) return false;
    lastBeepAt = now;
    try {
      const t0 = ctx.currentTime;
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = "sine";
      osc.frequency.setValueAtTime(kind === "order" ? 880 : 660, t0);
      if (kind === "order") osc.frequency.setValueAtTime(1320, t0 + 0.12);
      gain.gain.setValueAtTime(0.0001, t0);
      gain.gain.exponentialRampToValueAtTime(0.25, t0 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.3);
      osc.connect(gain);
      gain.connect(ctx.destination);
      osc.start(t0);
      osc.stop(t0 + 0.32);
      return true;
    } catch (e) {
      return false;
    }
  }

  function vibrate(kind) {
    if (typeof navigator.vibrate !== "function" || !activated()) return false;
    try { return navigator.vibrate(kind === "order" ? [120, 60, 120] : 150) !== false; } catch (e) { return false; }
  }

  // ---- sign-in and session ----------------------------------------------------------------------------------------

  async function afterSignIn(me) {
    state.me = me;
    SC.setTimeZone(me.timeZone || "Asia/Shanghai");
    state.stores = [];
    state.leaders = [];
    if (me.chainId) {
      state.stores = await api("GET", `/api/chains/${encodeURIComponent(me.chainId)}/stores`).catch(() => []);
      if (me.role === "admin") state.leaders = await api("GET", `/api/chains/${encodeURIComponent(me.chainId)}/leaders`).catch(() => []);
    }
    drawChrome();
  }

  function signOut(noticeKey) {
    teardown();
    state.key = null;
    state.me = null;
    localStorage.removeItem(KEY_STORAGE);
    signInNotice = noticeKey ? SC.t(noticeKey) : null;
    drawChrome();
    if (location.hash) history.replaceState(null, "", location.pathname);
    render();
  }

  function drawChrome() {
    const me = state.me;
    $("#session").hidden = !me;
    $("#nav").hidden = !me;
    if (!me) { SC.fill($("#nav")); return; }
    // An admin's name is the chain's name: name the chain once.
    SC.fill($("#whoami"), [...new Set([SC.t("role." + me.role), me.name, me.chainName].filter(Boolean))].join(" · "));
    const links = me.role === "platform" ? [["#/", "nav.chains"]]
      : me.role === "admin" ? [["#/", "nav.home"], ["#/campaigns/new", "nav.new"], ["#/stores", "nav.stores"], ["#/leaders", "nav.leaders"], ["#/products", "nav.products"], ["#/settings", "nav.settings"]]
      : [["#/", "nav.home"], ["#/campaigns/new", "nav.new"], ["#/products", "nav.products"]];
    if (me.role !== "platform") extraViews(me.role).forEach((v) => links.push(["#/" + v.name, v.navKey]));
    const current = "#/" + route().join("/");
    SC.fill($("#nav"), links.map(([href, key]) => tx("a", key, { href, "aria-current": href === current ? "page" : null })));
  }

  function renderSignIn() {
    const form = h("form", { id: "signin-form" },
      field("signin-key", "signin.key", { type: "password", name: "key", autocomplete: "current-password", required: true, spellcheck: "false" }),
      tx("p", "signin.hint", { class: "hint" }),
      errorBox("signin-error"),
      h("div", { class: "actions" }, tx("button", "signin.submit", { type: "submit", id: "signin-submit", class: "primary" })));
    const box = $("#signin-error", form);
    onSubmit(form, box, async () => {
      const key = $("#signin-key", form).value.trim();
      if (!key) throw new Error(SC.t("signin.empty"));
      let me;
      try {
        me = await SC.api("GET", "/api/me", { token: key });
      } catch (e) {
        if (e.status === 401 || e.status === 403) throw new Error(SC.t("signin.wrong"));
        throw e;
      }
      if (me.role === "member") throw new Error(SC.t("signin.member"));
      state.key = key;
      localStorage.setItem(KEY_STORAGE, key);
      signInNotice = null;
      await afterSignIn(me);
      render();
    });
    SC.fill($("#app"), h("section", { class: "card signin" }, tx("h2", "signin.heading"), form));
    if (signInNotice) SC.showError(box, new Error(signInNotice));
  }

  // ---- routing ----------------------------------------------------------------------------------------------------

  function route() {
    return location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  }

  function teardown() {
    view.cleanup.forEach((fn) => { try { fn(); } catch (e) { /* already stopped */ } });
    view = { cleanup: [], redraw: [] };
  }

  function render() {
    teardown();
    if (!state.me) { renderSignIn(); return; }
    drawChrome();
    const [first, second] = route();
    const app = $("#app");
    window.scrollTo(0, 0);
    if (state.me.role === "platform") return renderPlatform(app);
    if (first === "campaigns" && second === "new") return renderNewCampaign(app);
    if (first === "campaigns" && second) return renderCampaign(app, second);
    if (first === "stores" && state.me.role === "admin") return renderStores(app);
    if (first === "leaders" && state.me.role === "admin") return renderLeaders(app);
    if (first === "products") return renderProducts(app);
    if (first === "settings" && state.me.role === "admin") return renderSettings(app);
    const extra = extraViews(state.me.role).find((v) => v.name === first);
    if (extra) return extra.render(app, { state, view, api, h, tx, field, errorBox, onSubmit, intentKey, copyText, viewTitle, fillSelect, download });
    return renderHome(app);
  }

  function viewTitle(key, vars, ...extra) {
    return h("div", { class: "view-title" }, h("h2", { "data-i18n": vars ? null : key }, SC.t(key, vars)), ...extra);
  }

  // ---- platform: chains ---------------------------------------------------------------------------------------------

  function renderPlatform(app) {
    const result = h("div", { id: "chain-created" });
    const form = h("form", { id: "chain-form" },
      field("chain-name", "chain.name", { name: "name", required: true, maxlength: 80 }),
      field("chain-timezone", "chain.timeZone", { name: "timeZone", value: "Asia/Shanghai", autocomplete: "off" }),
      errorBox("chain-error"),
      h("div", { class: "actions" }, tx("button", "chain.submit", { type: "submit", id: "chain-submit", class: "primary" })));
    onSubmit(form, $("#chain-error", form), async () => {
      const body = { name: form.name.value.trim(), timeZone: form.timeZone.value.trim() || null };
      const chain = await api("POST", "/api/chains", { body, idempotencyKey: intentKey(form, body) });
      form.intent = null;
      form.reset();
      SC.fill(result,
        h("p", { class: "success" }, SC.t("chain.created", chain)),
        secretBox("new-admin-key", "chain.adminKey", chain.adminKey),
        h("button", { type: "button", onclick: () => useKey(chain.adminKey) }, tx("span", "chain.useKey")));
    });
    SC.fill(app, viewTitle("chain.heading"), h("section", { class: "card" }, tx("p", "chain.intro", { class: "muted" }), form, result));
  }

  async function useKey(key) {
    const me = await SC.api("GET", "/api/me", { token: key });
    state.key = key;
    localStorage.setItem(KEY_STORAGE, key);
    await afterSignIn(me);
    location.hash = "#/";
    render();
  }

  // ---- home: dashboard + campaigns ----------------------------------------------------------------------------------

  function renderHome(app) {
    const me = state.me;
    const dashboard = h("section", { class: "card", id: "dashboard" });
    const campaigns = h("ul", { class: "list-plain campaign-list", id: "campaigns" }, tx("li", "common.loading", { class: "muted" }));
    SC.fill(app,
      viewTitle("home.heading", { chain: me.chainName || "" }, tx("a", "nav.new", { href: "#/campaigns/new", class: "button primary", id: "new-campaign-link" })),
      // Campaigns first: a leader opening the console on a phone comes to run today's campaign, not to read numbers.
      h("section", { class: "card" }, tx("h3", "campaigns.heading"), errorBox("campaigns-error"), campaigns),
      dashboard);
    drawDashboard(dashboard);
    let list = null;
    const draw = () => {
      if (!list) return;
      if (!list.length) { SC.fill(campaigns, tx("li", "campaigns.empty", { class: "muted" })); return; }
      SC.fill(campaigns, list.map((c) => h("li", { "data-campaign-id": c.campaignId },
        h("a", { href: "#/campaigns/" + encodeURIComponent(c.campaignId) }, c.title),
        phaseBadge(c.phase),
        h("span", { class: "muted" }, storeName(c.storeId)),
        h("span", { class: "muted" }, c.liveStartAt ? SC.t("campaigns.live", { time: SC.formatTime(c.liveStartAt) }) : ""))));
    };
    view.redraw.push(draw);
    api("GET", `/api/chains/${encodeURIComponent(me.chainId)}/campaigns`).then((rows) => {
      list = rows.slice().sort((a, b) => String(b.liveStartAt || "").localeCompare(String(a.liveStartAt || "")));
      draw();
    }).catch((e) => { campaigns.replaceChildren(); SC.showError($("#campaigns-error"), e); });
  }

  /** An inline SVG bar chart (as the campaign report draws): one bar per entry, its text above it, its label below. */
  function barChart(id, title, bars, max) {
    const ns = "http://www.w3.org/2000/svg";
    const el = (name, attrs, text) => {
      const e = document.createElementNS(ns, name);
      for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
      if (text !== undefined) e.textContent = text;
      return e;
    };
    if (!bars.length) return h("p", { class: "muted", id }, SC.t("dash.noData"));
    const top = max || Math.max(1, ...bars.map((b) => b.value));
    const w = 64, gap = 12, height = 140, base = 110;
    const svg = el("svg", { id, role: "img", "aria-label": title, viewBox: `0 0 ${bars.length * (w + gap) + gap} ${height}`, width: "100%", style: `max-width:${bars.length * (w + gap) + gap}px` });
    svg.append(el("title", {}, title));
    bars.forEach((b, i) => {
      const x = gap + i * (w + gap);
      const barHeight = Math.round((Math.max(0, b.value) / top) * 90);
      svg.append(el("rect", { x, y: base - barHeight, width: w, height: Math.max(barHeight, 1), rx: 3, fill: "#c0392b", "data-value": b.value }));
      svg.append(el("text", { x: x + w / 2, y: base - barHeight - 4, "text-anchor": "middle", "font-size": 12 }, b.text));
      svg.append(el("text", { x: x + w / 2, y: base + 16, "text-anchor": "middle", "font-size": 12, fill: "#666" }, b.label));
    });
    return svg;
  }

  function drawDashboard(card) {
    const me = state.me;
    const form = h("form", { id: "dash-form" },
      h("div", { class: "row" },
        field("dash-from", "dash.from", { type: "date", name: "from" }),
        field("dash-to", "dash.to", { type: "date", name: "to" }),
        me.role === "admin" ? field("dash-store", "dash.store", { name: "storeId" }, "select") : null,
        tx("button", "dash.submit", { type: "submit", id: "dash-submit" })),
      errorBox("dash-error"));
    if (me.role === "admin") {
      fillSelect($("#dash-store", form), [{ value: "", label: SC.t("dash.allStores") }].concat(state.stores.map((s) => ({ value: s.storeId, label: s.name }))));
    }
    const out = h("div", { id: "dash-numbers" });
    let data = null;
    const keys = ["campaigns", "orders", "buyers", "gmvFen", "averageOrderValueFen", "repurchaseRate", "groupSuccessRate", "reviewRate", "photoRate", "nps", "reservationToBuyerRate"];
    const draw = () => {
      if (!data) return;
      const perStore = me.role === "admin" && data.perStore && data.perStore.length
        ? h("div", { class: "table-wrap" }, tx("h4", "dash.perStore"), h("table", {},
          h("thead", {}, h("tr", {}, ["th.store", "m.campaigns", "m.orders", "m.gmvFen", "m.groupSuccessRate", "m.repurchaseRate"].map((k) => tx("th", k)))),
          h("tbody", {}, data.perStore.map((g) => h("tr", {}, h("td", {}, g.name || g.storeId), h("td", { class: "num" }, g.campaigns),
            h("td", { class: "num" }, g.orders), h("td", { class: "num" }, SC.money(g.gmvFen)), h("td", { class: "num" }, percent(g.groupSuccessRate)),
            h("td", { class: "num" }, percent(g.repurchaseRate)))))))
        : null;
      const cohorts = data.cohorts || [];
      const activity = data.activity || { buyers: 0, newBuyers: 0, returningBuyers: 0, newMembers: 0, weeks: [] };
      const referrals = data.referrals || { referredMembers: 0, referredShare: null, rewardedReferrals: 0, rewardPoints: 0 };
      const weeks = data.weeks || [];
      // The n behind a rate, beside it: a rate over a handful is a hint, not a trend.
      const withN = (value, g, key) => h("span", {}, value, g.samples ? h("small", { class: "sample", "data-n": g.samples[key] }, " " + SC.t("dash.n", { n: g.samples[key] })) : null);
      const metrics = metricsList(data, keys, "dash-metrics");
      if (data.samples) {
        for (const key of Object.keys(data.samples)) {
          const dd = metrics.querySelector(`[data-metric="${key}"] dd`);
          if (dd) dd.append(h("small", { class: "sample", "data-n": data.samples[key] }, " " + SC.t("dash.n", { n: data.samples[key] })));
        }
      }
      const trend = h("div", { class: "table-wrap", id: "dash-trends" }, tx("h4", "dash.trends"),
        barChart("dash-gmv-chart", SC.t("dash.trends.gmv"), weeks.map((w) => ({ label: w.weekStart.slice(5), value: w.gmvFen, text: SC.money(w.gmvFen) }))),
        weeks.length ? h("table", {},
          h("thead", {}, h("tr", {}, ["dash.week", "m.campaigns", "m.orders", "m.buyers", "m.gmvFen", "m.averageOrderValueFen", "m.groupSuccessRate", "m.reviewRate", "m.nps"].map((k) => tx("th", k)))),
          h("tbody", {}, weeks.map((w) => h("tr", { "data-week": w.weekStart }, h("td", {}, w.weekStart), h("td", { class: "num" }, w.campaigns),
            h("td", { class: "num" }, w.orders), h("td", { class: "num" }, w.buyers), h("td", { class: "num" }, SC.money(w.gmvFen)),
            h("td", { class: "num" }, withN(w.averageOrderValueFen == null ? SC.t("common.dash") : SC.money(w.averageOrderValueFen), w, "averageOrderValueFen")),
            h("td", { class: "num", "data-rate": "groupSuccessRate" }, withN(percent(w.groupSuccessRate), w, "groupSuccessRate")),
            h("td", { class: "num", "data-rate": "reviewRate" }, withN(percent(w.reviewRate), w, "reviewRate")),
            h("td", { class: "num", "data-rate": "nps" }, withN(dash(w.nps), w, "nps")))))) : null);
      // HQ's per-leader view (团长表现): who runs campaigns that form groups, sell, bring buyers back and please them.
      const perLeader = me.role === "admin" && data.perLeader && data.perLeader.length
        ? h("div", { class: "table-wrap", id: "dash-leaders" }, tx("h4", "dash.perLeader"), h("table", {},
          h("thead", {}, h("tr", {}, ["th.leader", "th.store", "m.campaigns", "m.orders", "m.gmvFen", "m.groupSuccessRate", "m.repurchaseRate", "m.reviewRate", "m.nps"].map((k) => tx("th", k)))),
          h("tbody", {}, data.perLeader.map((g) => h("tr", { "data-leader": g.leaderId }, h("td", {}, g.name || g.leaderId), h("td", {}, storeName(g.storeId)),
            h("td", { class: "num" }, g.campaigns), h("td", { class: "num" }, g.orders), h("td", { class: "num" }, SC.money(g.gmvFen)),
            h("td", { class: "num", "data-rate": "groupSuccessRate" }, withN(percent(g.groupSuccessRate), g, "groupSuccessRate")),
            h("td", { class: "num", "data-rate": "repurchaseRate" }, withN(percent(g.repurchaseRate), g, "repurchaseRate")),
            h("td", { class: "num", "data-rate": "reviewRate" }, withN(percent(g.reviewRate), g, "reviewRate")),
            h("td", { class: "num", "data-rate": "nps" }, withN(dash(g.nps), g, "nps")))))))
        : null;
      SC.fill(out,
        h("p", { class: "muted" }, SC.t("dash.period", { from: SC.formatTime(data.from), to: SC.formatTime(data.to) })),
        metrics, perStore, perLeader, trend,
        h("div", { class: "table-wrap", id: "dash-cohorts" }, tx("h4", "dash.cohorts"),
          barChart("dash-cohort-chart", SC.t("dash.cohorts"), cohorts.map((c) => ({ label: c.month, value: c.repurchaseRate || 0, text: percent(c.repurchaseRate) })), 1),
          cohorts.length ? h("table", {},
            h("thead", {}, h("tr", {}, ["dash.cohort.month", "dash.cohort.buyers", "dash.cohort.repeat", "m.repurchaseRate"].map((k) => tx("th", k)))),
            h("tbody", {}, cohorts.map((c) => h("tr", { "data-cohort": c.month }, h("td", {}, c.month), h("td", { class: "num" }, c.buyers),
              h("td", { class: "num" }, c.repeatBuyers), h("td", { class: "num" }, percent(c.repurchaseRate))))))
            : null),
        h("div", { id: "dash-activity" }, tx("h4", "dash.activity"),
          h("dl", { class: "metrics" },
            [["dash.activity.buyers", activity.buyers], ["dash.activity.new", activity.newBuyers], ["dash.activity.returning", activity.returningBuyers],
              ["dash.activity.newMembers", activity.newMembers]].map(([k, v]) => h("div", { class: "metric" }, tx("dt", k), h("dd", { "data-activity": k.split(".").pop() }, String(v))))),
          tx("h4", "dash.weekly"),
          barChart("dash-weekly-chart", SC.t("dash.weekly"), activity.weeks.map((w) => ({ label: w.weekStart.slice(5), value: w.buyers, text: String(w.buyers) })))),
        h("div", { id: "dash-referrals" }, tx("h4", "dash.referrals"),
          h("dl", { class: "metrics" },
            [["dash.ref.referred", referrals.referredMembers], ["dash.ref.share", percent(referrals.referredShare)], ["dash.ref.rewarded", referrals.rewardedReferrals],
              ["dash.ref.points", referrals.rewardPoints]].map(([k, v]) => h("div", { class: "metric" }, tx("dt", k), h("dd", { "data-referral": k.split(".").pop() }, String(v)))))),
        h("div", { id: "dash-tags" }, tx("h4", "dash.tags"),
          barChart("dash-tag-chart", SC.t("dash.tags"), (data.tags || []).map((t) => ({ label: t.tag, value: t.members, text: String(t.members) })))));
    };
    view.redraw.push(draw);
    const load = async () => {
      const q = new URLSearchParams();
      for (const name of ["from", "to", "storeId"]) if (form[name] && form[name].value) q.set(name, form[name].value);
      data = await api("GET", `/api/chains/${encodeURIComponent(me.chainId)}/dashboard?${q}`);
      draw();
    };
    onSubmit(form, $("#dash-error", form), load);
    SC.fill(card, tx("h3", "dash.heading"), form, out);
    load().catch((e) => SC.showError($("#dash-error", form), e, form));
  }

  // ---- HQ: stores, leaders, products, settings ----------------------------------------------------------------------

  async function reloadStores() {
    state.stores = await api("GET", `/api/chains/${encodeURIComponent(state.me.chainId)}/stores`);
  }

  function renderStores(app) {
    const tbody = h("tbody");
    const draw = () => {
      SC.fill(tbody, state.stores.length ? state.stores.map((s) => h("tr", { "data-store-id": s.storeId },
        h("td", {}, s.name), h("td", {}, s.address), h("td", { class: "muted" }, s.storeId)))
        : h("tr", {}, h("td", { colspan: 3, class: "muted" }, SC.t("stores.empty"))));
    };
    view.redraw.push(draw);
    const form = h("form", { id: "store-form" },
      h("div", { class: "row" },
        field("store-name", "stores.name", { name: "name", required: true, maxlength: 80 }),
        field("store-address", "stores.address", { name: "address", required: true, maxlength: 200 })),
      errorBox("store-error"),
      h("div", { class: "actions" }, tx("button", "stores.submit", { type: "submit", id: "store-submit", class: "primary" })));
    onSubmit(form, $("#store-error", form), async () => {
      const body = { name: form.name.value.trim(), address: form.address.value.trim() };
      const store = await api("POST", `/api/chains/${encodeURIComponent(state.me.chainId)}/stores`, { body, idempotencyKey: intentKey(form, body) });
      form.intent = null;
      form.reset();
      SC.toast(SC.t("stores.created", store));
      await reloadStores();
      draw();
    });
    SC.fill(app, viewTitle("stores.heading"),
      h("section", { class: "card" }, tx("h3", "stores.create"), form),
      h("section", { class: "card table-wrap" }, h("table", { id: "stores" },
        h("thead", {}, h("tr", {}, tx("th", "stores.name"), tx("th", "stores.address"), h("th", {}, "ID"))), tbody)));
    draw();
    reloadStores().then(draw).catch((e) => SC.toast(e.message));
  }

  function renderLeaders(app) {
    const chainPath = `/api/chains/${encodeURIComponent(state.me.chainId)}`;
    const tbody = h("tbody");
    const rotated = h("div", { id: "leader-rotated" });
    let shown = "";
    const draw = () => {
      // Same leaders, same language: keep the rows (and any open "change key?" question) as they are.
      const signature = SC.lang() + JSON.stringify(state.leaders) + JSON.stringify(state.stores);
      if (signature === shown) return;
      shown = signature;
      SC.fill(tbody, state.leaders.length ? state.leaders.map((l) => {
        const cell = h("td", {});
        const rotate = h("button", { type: "button", "data-rotate-leader": l.leaderId }, SC.t("leaders.rotate"));
        rotate.addEventListener("click", () => {
          $$(".confirm", tbody).forEach((c) => c.remove());
          cell.append(confirmBox("leaders.rotateConfirm", { name: l.name }, async () => {
            try {
              const r = await api("POST", `/api/leaders/${encodeURIComponent(l.leaderId)}/key/rotate`);
              SC.fill(rotated, secretBox("rotated-leader-key", "leaders.key", r.leaderKey, { name: l.name }));
              rotated.scrollIntoView({ block: "nearest" });
            } catch (e) { SC.toast(e.message); }
          }, "confirm-rotate"));
        });
        cell.prepend(rotate);
        return h("tr", { "data-leader-id": l.leaderId }, h("td", {}, l.name), h("td", {}, storeName(l.storeId)), h("td", {}, SC.formatTime(l.createdAt)), cell);
      }) : h("tr", {}, h("td", { colspan: 4, class: "muted" }, SC.t("leaders.empty"))));
    };
    view.redraw.push(draw);
    const created = h("div", { id: "leader-created" });
    const form = h("form", { id: "leader-form" },
      h("div", { class: "row" },
        field("leader-name", "leaders.name", { name: "name", required: true, maxlength: 40 }),
        field("leader-store", "leaders.store", { name: "storeId", required: true }, "select")),
      errorBox("leader-error"),
      h("div", { class: "actions" }, tx("button", "leaders.submit", { type: "submit", id: "leader-submit", class: "primary" })));
    fillSelect(form.storeId, state.stores.map((s) => ({ value: s.storeId, label: s.name })));
    onSubmit(form, $("#leader-error", form), async () => {
      const body = { name: form.name.value.trim(), storeId: form.storeId.value || null };
      const leader = await api("POST", `${chainPath}/leaders`, { body, idempotencyKey: intentKey(form, body) });
      form.intent = null;
      form.name.value = "";
      SC.fill(created, h("p", { class: "success" }, SC.t("leaders.created")), secretBox("new-leader-key", "leaders.key", leader.leaderKey, { name: leader.name }));
      state.leaders = await api("GET", `${chainPath}/leaders`);
      draw();
    });
    SC.fill(app, viewTitle("leaders.heading"),
      h("section", { class: "card" }, tx("h3", "leaders.create"), form, created),
      h("section", { class: "card" }, rotated, h("div", { class: "table-wrap" }, h("table", { id: "leaders" },
        h("thead", {}, h("tr", {}, tx("th", "th.name"), tx("th", "th.store"), tx("th", "th.created"), tx("th", "th.actions"))), tbody))));
    draw();
    api("GET", `${chainPath}/leaders`).then((rows) => { state.leaders = rows; draw(); }).catch((e) => SC.toast(e.message));
  }

  async function reloadProducts() {
    state.products = await api("GET", `/api/chains/${encodeURIComponent(state.me.chainId)}/products`);
    return state.products;
  }

  function renderProducts(app) {
    const list = h("ul", { class: "list-plain", id: "products" });
    let seq = 0;
    const draw = () => {
      if (!state.products.length) { SC.fill(list, tx("li", "products.empty", { class: "muted" })); return; }
      SC.fill(list, state.products.map((p) => {
        const id = "report-file-" + (++seq);
        const status = h("div", { class: "report-status", role: "status" });
        const box = h("div", { class: "error", role: "alert", hidden: true });
        const input = h("input", { type: "file", id, accept: "application/pdf,image/png,image/jpeg,.pdf,.png,.jpg,.jpeg" });
        const upload = h("button", { type: "button", class: "report-upload" }, SC.t("products.upload"));
        upload.addEventListener("click", () => uploadReport(p, input, box, status, upload));
        const li = h("li", { class: "card", "data-product-id": p.productId },
          h("h3", {}, p.name, " ", h("span", { class: "muted" }, `${p.category} · ${p.unit}`)),
          h("p", { class: "muted" }, [p.origin, p.batch].filter(Boolean).join(" · ")),
          p.story ? h("p", {}, p.story) : null,
          h("div", { class: "reports" }, reportNames(p)),
          h("label", { for: id }, SC.t("products.file")),
          h("div", { class: "file-upload" }, input, upload), box, status);
        hooks("productCard", li, p, extCtx()); // console-products.js: 编辑 and the photo strip
        return li;
      }));
    };
    view.redraw.push(draw);
    const form = h("form", { id: "product-form" },
      h("div", { class: "form-grid" },
        field("product-name", "products.name", { name: "name", required: true, maxlength: 80 }),
        field("product-category", "products.category", { name: "category", required: true, maxlength: 40 }),
        field("product-unit", "products.unit", { name: "unit", required: true, maxlength: 20 }),
        field("product-origin", "products.origin", { name: "origin", maxlength: 80 }),
        field("product-batch", "products.batch", { name: "batch", maxlength: 40 })),
      field("product-story", "products.story", { name: "story", maxlength: 1000 }, "textarea"),
      errorBox("product-error"),
      h("div", { class: "actions" }, tx("button", "products.submit", { type: "submit", id: "product-submit", class: "primary" })));
    onSubmit(form, $("#product-error", form), async () => {
      const value = (name) => form[name].value.trim() || null;
      const body = { name: value("name"), category: value("category"), unit: value("unit"), origin: value("origin"), batch: value("batch"), story: value("story") };
      const product = await api("POST", `/api/chains/${encodeURIComponent(state.me.chainId)}/products`, { body, idempotencyKey: intentKey(form, body) });
      form.intent = null;
      form.reset();
      SC.toast(SC.t("products.created", product));
      await reloadProducts();
      draw();
    });
    SC.fill(app, viewTitle("products.heading"),
      h("details", { class: "card", open: true }, h("summary", { "data-i18n": "products.create" }, SC.t("products.create")), form),
      list);
    reloadProducts().then(draw).catch((e) => SC.toast(e.message));
  }

  function reportNames(p) {
    return [h("strong", {}, SC.t("products.reports")),
      p.reports && p.reports.length ? h("ul", { class: "report-names" }, p.reports.map((r) => h("li", {}, r.name)))
        : h("span", { class: "muted" }, SC.t("products.noReports"))];
  }

  async function uploadReport(product, input, box, status, button) {
    SC.showError(box, null);
    status.textContent = "";
    const file = input.files && input.files[0];
    if (!file) { SC.showError(box, new Error(SC.t("products.chooseFile"))); return; }
    button.disabled = true;
    try {
      // The API reads x-file-name as raw UTF-8 or percent-encoded; headers must be ISO-8859-1, so always encode.
      const r = await api("POST", `/api/products/${encodeURIComponent(product.productId)}/reports`, {
        raw: file, headers: { "x-file-name": encodeURIComponent(file.name), "Content-Type": file.type || "application/octet-stream" },
      });
      SC.fill(status, h("span", { class: "success" }, SC.t("products.uploaded", { name: r.name }), " ",
        h("a", { href: r.url, target: "_blank", rel: "noopener" }, r.name)));
      input.value = "";
      const updated = await reloadProducts();
      const p = updated.find((x) => x.productId === product.productId);
      const holder = status.closest("li") && $(".reports", status.closest("li"));
      if (p && holder) SC.fill(holder, reportNames(p));
    } catch (e) {
      if (e.status === 413) e.message = SC.t("products.tooLarge");
      SC.showError(box, e);
    } finally {
      button.disabled = false;
    }
  }

  function renderSettings(app) {
    const me = state.me;
    const result = h("div", { id: "admin-key-result" });
    const area = h("div");
    const rotate = tx("button", "settings.rotate", { type: "button", id: "rotate-admin-key", class: "danger" });
    rotate.addEventListener("click", () => {
      SC.fill(area, confirmBox("settings.rotateConfirm", null, async () => {
        try {
          const r = await api("POST", `/api/chains/${encodeURIComponent(me.chainId)}/admin-key/rotate`);
          state.key = r.adminKey;
          localStorage.setItem(KEY_STORAGE, r.adminKey);
          SC.fill(result, secretBox("new-admin-key", "settings.newKey", r.adminKey));
        } catch (e) { SC.toast(e.message); }
      }, "confirm-rotate"));
    });
    SC.fill(app, viewTitle("settings.heading"),
      h("section", { class: "card" },
        h("p", { class: "muted" }, SC.t("settings.chain", { chainId: me.chainId, tz: me.timeZone })),
        tx("h3", "settings.rotate"), tx("p", "settings.rotateHint", { class: "hint" }), rotate, area, result));
  }

  // ---- new campaign -------------------------------------------------------------------------------------------------

  function renderNewCampaign(app) {
    const me = state.me;
    const isAdmin = me.role === "admin";
    const rows = h("div", { id: "item-rows" });
    const inMinutes = (m) => SC.toLocalInput(new Date(Math.ceil(Date.now() / 60000) * 60000 + m * 60000).toISOString());
    const form = h("form", { id: "campaign-form" },
      field("new-title", "new.title", { name: "title", required: true, maxlength: 80 }),
      isAdmin ? h("div", { class: "row" },
        field("new-store", "new.store", { name: "storeId" }, "select"),
        field("new-leader", "new.leader", { name: "leaderId" }, "select"))
        : h("p", {}, h("strong", { "data-i18n": "new.store" }, SC.t("new.store")), "：", storeName(me.storeId)),
      h("fieldset", {}, tx("legend", "new.items"), h("div", { id: "no-products", class: "hint", hidden: true },
        tx("span", "new.noProducts"), " ", tx("a", "nav.products", { href: "#/products" })), rows,
        tx("button", "new.addItem", { type: "button", id: "item-add" })),
      h("fieldset", {}, h("legend", {}, SC.t("new.schedule", { tz: SC.timeZone() })),
        h("div", { class: "form-grid" },
          field("new-preheat", "new.preheat", { type: "datetime-local", name: "preheatAt", value: inMinutes(10) }),
          field("new-start", "new.start", { type: "datetime-local", name: "liveStartAt", value: inMinutes(60) }),
          field("new-end", "new.end", { type: "datetime-local", name: "liveEndAt", value: inMinutes(180) }),
          field("new-pickup", "new.pickup", { type: "datetime-local", name: "pickupUntil" }),
          field("new-followup", "new.followUp", { type: "number", name: "followUpAfterHours", min: 0, max: 720, step: "0.5", inputmode: "decimal" }))),
      errorBox("campaign-error"),
      h("div", { class: "actions" }, tx("button", "new.submit", { type: "submit", id: "campaign-submit", class: "primary" })));

    hooks("newCampaignForm", form, extCtx());
    if (isAdmin) {
      const storeSelect = form.storeId;
      const leaderSelect = form.leaderId;
      fillSelect(storeSelect, state.stores.map((s) => ({ value: s.storeId, label: s.name })));
      const syncLeaders = () => {
        const options = state.leaders.filter((l) => l.storeId === storeSelect.value).map((l) => ({ value: l.leaderId, label: l.name }));
        fillSelect(leaderSelect, options.length ? options : [{ value: "", label: SC.t("new.noLeader") }]);
      };
      storeSelect.addEventListener("change", syncLeaders);
      syncLeaders();
    }

    let seq = 0;
    const productOptions = () => [{ value: "", label: SC.t("new.pickProduct") }].concat(state.products.map((p) => ({ value: p.productId, label: `${p.name}（${p.unit}）` })));
    const renumber = () => {
      $$(".item-row", rows).forEach((row, i) => {
        $(".item-title", row).textContent = SC.t("new.item", { n: i + 1 });
        $(".remove-item", row).setAttribute("aria-label", SC.t("new.removeLabel", { n: i + 1 }));
        $(".remove-item", row).hidden = rows.children.length === 1;
        $$("[data-field]", row).forEach((input) => { input.name = `items[${i}].${input.dataset.field}`; });
      });
    };
    const addRow = () => {
      const n = ++seq;
      const id = (f) => `item-${n}-${f}`;
      const input = (f, key, attrs, tag) => field(id(f), key, Object.assign({ "data-field": f }, attrs), tag);
      const row = h("div", { class: "item-row" },
        h("div", { class: "item-row-head" }, h("strong", { class: "item-title" }),
          h("button", { type: "button", class: "remove-item", onclick: () => { row.remove(); renumber(); } }, tx("span", "new.removeItem"))),
        input("productId", "new.product", {}, "select"),
        h("div", { class: "row" },
          input("priceFen", "new.price", { inputmode: "decimal", autocomplete: "off" }),
          input("livePriceFen", "new.livePrice", { inputmode: "decimal", autocomplete: "off" }),
          input("memberPriceFen", "new.memberPrice", { inputmode: "decimal", autocomplete: "off" }),
          input("stock", "new.stock", { type: "number", min: 1, step: 1, inputmode: "numeric", value: 50 }),
          input("minGroupSize", "new.minGroup", { type: "number", min: 1, step: 1, inputmode: "numeric", value: 1 }),
          input("perMemberLimit", "new.limit", { type: "number", min: 1, step: 1, inputmode: "numeric" })));
      fillSelect($("select", row), productOptions());
      rows.append(row);
      renumber();
      return row;
    };
    $("#item-add", form).addEventListener("click", () => { const row = addRow(); $("select", row).focus(); });
    addRow();
    view.redraw.push(() => { renumber(); $$(".item-row select", rows).forEach((s) => fillSelect(s, productOptions())); });

    onSubmit(form, $("#campaign-error", form), async () => {
      const errors = {};
      const int = (v) => (/^\s*-?\d+\s*$/.test(v) ? parseInt(v, 10) : (v.trim() === "" ? null : NaN));
      const items = $$(".item-row", rows).map((row, i) => {
        const get = (f) => $(`[data-field="${f}"]`, row).value;
        const price = SC.toFen(get("priceFen"));
        if (Number.isNaN(price)) errors[`items[${i}].priceFen`] = [SC.t("new.yuanInvalid")];
        const liveText = get("livePriceFen").trim();
        const live = liveText ? SC.toFen(liveText) : null;
        if (Number.isNaN(live)) errors[`items[${i}].livePriceFen`] = [SC.t("new.yuanInvalid")];
        const memberText = get("memberPriceFen").trim();
        const member = memberText ? SC.toFen(memberText) : null;
        if (Number.isNaN(member)) errors[`items[${i}].memberPriceFen`] = [SC.t("new.yuanInvalid")];
        const item = { productId: get("productId") || null, priceFen: price, livePriceFen: live, memberPriceFen: member, stock: int(get("stock")), minGroupSize: int(get("minGroupSize")) ?? 1, perMemberLimit: int(get("perMemberLimit")) };
        for (const k of ["stock", "minGroupSize", "perMemberLimit"]) if (Number.isNaN(item[k])) item[k] = null;
        return item;
      });
      if (Object.keys(errors).length) throw localError(errors);
      const follow = form.followUpAfterHours.value.trim();
      const body = {
        title: form.title.value.trim(),
        storeId: isAdmin ? form.storeId.value || null : me.storeId,
        leaderId: isAdmin ? form.leaderId.value || null : me.leaderId,
        items,
        preheatAt: SC.fromLocalInput(form.preheatAt.value),
        liveStartAt: SC.fromLocalInput(form.liveStartAt.value),
        liveEndAt: SC.fromLocalInput(form.liveEndAt.value),
        pickupUntil: SC.fromLocalInput(form.pickupUntil.value),
        followUpAfterHours: follow ? Number(follow) : null,
        ...Object.assign({}, ...hooks("newCampaignBody", form)),
      };
      const campaign = await api("POST", `/api/chains/${encodeURIComponent(me.chainId)}/campaigns`, { body, idempotencyKey: intentKey(form, body) });
      form.intent = null;
      SC.toast(SC.t("new.created"));
      location.hash = "#/campaigns/" + encodeURIComponent(campaign.campaignId);
    });

    SC.fill(app, viewTitle("new.heading"), h("section", { class: "card" }, form));
    reloadProducts().then(() => {
      $("#no-products", form).hidden = state.products.length > 0;
      $$(".item-row select", rows).forEach((s) => fillSelect(s, productOptions()));
    }).catch((e) => SC.showError($("#campaign-error", form), e));
  }

  // ---- campaign page ------------------------------------------------------------------------------------------------

  function renderCampaign(app, campaignId) {
    const path = "/api/campaigns/" + encodeURIComponent(campaignId);
    const s = { campaign: null, history: [], orders: [], pickups: [], polls: new Map(), report: null, reportState: "loading", notifications: [], outreach: null };
    let alive = true;
    view.cleanup.push(() => { alive = false; });

    const root = h("div", { id: "campaign", "data-campaign-id": campaignId });
    const liveUrl = location.origin + "/live/" + encodeURIComponent(campaignId);
    const head = h("section", { class: "card" },
      h("p", {}, tx("a", "common.back", { href: "#/" })),
      h("div", { class: "campaign-head" },
        h("h2", { id: "campaign-title" }, SC.t("common.loading")),
        h("span", { id: "campaign-phase", class: "badge", "data-phase": "" }),
        h("span", { id: "live-status", class: "live-status", "data-state": "connecting", role: "status" }, SC.t("common.loading")),
        h("span", { class: "muted" }, tx("span", "c.viewers"), " ", h("strong", { id: "viewer-count" }, "0")),
        h("button", { type: "button", id: "alert-sound", class: "sound-switch" })),
      h("p", { id: "campaign-store", class: "muted" }),
      h("dl", { class: "schedule", id: "schedule" }),
      h("div", { class: "share" },
        tx("span", "c.share"),
        h("a", { id: "live-link", href: "/live/" + encodeURIComponent(campaignId), target: "_blank", rel: "noopener" }, liveUrl),
        tx("button", "common.copy", { type: "button", id: "live-link-copy", onclick: () => copyText(liveUrl) })),
      errorBox("campaign-load-error"));

    // 截单 and 取消开团 cannot be undone: a modal dialog spells out the consequence first; dismissing does nothing.
    const confirm = h("dialog", { id: "confirm-dialog", class: "confirm", "aria-labelledby": "confirm-title", "aria-describedby": "confirm-text" },
      h("h3", { id: "confirm-title" }),
      h("p", { id: "confirm-text" }),
      h("div", { class: "actions" },
        h("button", { type: "button", id: "confirm-action", class: "danger" }),
        tx("button", "common.dismiss", { type: "button", id: "confirm-dismiss" })));
    const lifecycle = h("section", { class: "card", id: "lifecycle" },
      tx("h3", "c.lifecycle"), h("div", { id: "actions", class: "actions" }), confirm, errorBox("action-error"),
      tx("h4", "c.history"), h("ol", { id: "history", class: "history" }));

    const itemsBody = h("tbody");
    // 补货 while live: more units of an item (its waitlist served first).
    const restockForm = h("form", { id: "restock-form", hidden: true },
      h("div", { class: "row" },
        field("restock-item", "restock.item", { name: "itemId" }, "select"),
        field("restock-quantity", "restock.quantity", { name: "quantity", type: "number", min: 1, max: 10000, step: 1, inputmode: "numeric", value: 10 }),
        h("div", { class: "actions" }, tx("button", "restock.submit", { type: "submit", id: "restock-submit" }))),
      tx("p", "restock.hint", { class: "hint muted" }),
      errorBox("restock-error"));
    const itemsCard = h("section", { class: "card", id: "items-card" }, tx("h3", "c.items"), h("div", { class: "table-wrap" }, h("table", { id: "items" },
      h("thead", {}, h("tr", {}, tx("th", "th.item"), tx("th", "th.price", { class: "num" }), tx("th", "th.remaining", { class: "num" }), tx("th", "th.sold", { class: "num" }),
        tx("th", "th.group"), tx("th", "th.pin"))), itemsBody)), errorBox("pin-error"), restockForm);

    const flashForm = h("form", { id: "flash-form" },
      h("div", { class: "row" },
        field("flash-item", "flash.item", { name: "itemId" }, "select"),
        field("flash-quantity", "flash.quantity", { name: "quantity", type: "number", min: 1, step: 1, inputmode: "numeric", value: 10 }),
        field("flash-price", "flash.price", { name: "priceFen", inputmode: "decimal", autocomplete: "off" }),
        field("flash-duration", "flash.duration", { name: "durationSeconds", type: "number", min: 1, step: 1, inputmode: "numeric", value: 60 }),
        field("flash-gift", "flash.gift", { name: "firstNGift", type: "number", min: 0, step: 1, inputmode: "numeric" }),
        field("flash-gift-name", "flash.giftName", { name: "giftName", maxlength: 40, autocomplete: "off" })),
      errorBox("flash-error"),
      h("div", { class: "actions" }, tx("button", "flash.start", { type: "submit", id: "flash-start", class: "primary" })));
    const flashCard = h("section", { class: "card", id: "flash" }, tx("h3", "flash.heading"), h("div", { id: "flash-active" }), flashForm);

    const commentsList = h("ul", { id: "comments", class: "list-plain scroll-list" });
    const pollForm = h("form", { id: "poll-form" },
      field("poll-question", "polls.question", { name: "question", maxlength: 100 }),
      field("poll-options", "polls.options", { name: "options", rows: 4 }, "textarea"),
      errorBox("poll-error"),
      h("div", { class: "actions" }, tx("button", "polls.open", { type: "submit", id: "poll-open", class: "primary" })));
    const pollList = h("div", { id: "poll-list" });
    const commentsCard = h("section", { class: "card", id: "comments-card" }, tx("h3", "comments.heading"), commentsList);
    const pollsCard = h("section", { class: "card", id: "polls" }, tx("h3", "polls.heading"), pollForm, pollList);

    const pickupForm = h("form", { id: "pickup-form" },
      h("div", { class: "row" },
        field("pickup-code", "pickup.code", { name: "pickupCode", inputmode: "numeric", autocomplete: "off", maxlength: 12, pattern: "[0-9]*" }),
        tx("button", "pickup.verify", { type: "submit", id: "pickup-verify", class: "primary" })));
    const pickupResult = h("div", { id: "pickup-result", "aria-live": "polite" });
    const pickupBody = h("tbody");
    const pickupCsv = tx("button", "pickup.csv", { type: "button", id: "pickup-csv" });
    const fulfilCard = h("section", { class: "card", id: "fulfilment" }, tx("h3", "pickup.heading"), pickupForm, pickupResult,
      h("div", { class: "view-title" }, tx("h4", "pickup.list"), pickupCsv),
      h("div", { class: "table-wrap" }, h("table", { id: "pickup-list" },
        h("thead", {}, h("tr", {}, tx("th", "th.member"), tx("th", "th.phone"), tx("th", "th.items"), tx("th", "th.total", { class: "num" }),
          tx("th", "th.status"), tx("th", "th.pickedUpAt"))), pickupBody)));

    const ordersBody = h("tbody");
    const ordersHeading = h("h3", { id: "orders-heading" });
    const ordersCsv = tx("button", "orders.csv", { type: "button", id: "orders-csv" });
    const ordersCard = h("section", { class: "card", id: "orders-card" }, h("div", { class: "view-title" }, ordersHeading, ordersCsv), errorBox("orders-error"),
      h("div", { class: "table-wrap" }, h("table", { id: "orders" },
        h("thead", {}, h("tr", {}, tx("th", "th.member"), tx("th", "th.phone"), tx("th", "th.items"), tx("th", "th.total", { class: "num" }),
          tx("th", "th.fulfilment"), tx("th", "th.status"), tx("th", "th.time"), tx("th", "th.actions"))), ordersBody)));

    const reportCard = h("section", { class: "card", id: "report-card" }, tx("h3", "report.heading"), h("div", { id: "report" }), errorBox("report-error"));
    const notifSummary = h("summary");
    const notifList = h("ul", { class: "list-plain notif-list" });
    // What the messages did (sent, held by quiet hours, turned off…) per kind: GET …/outreach.
    const outreachBox = h("div", { id: "campaign-outreach", class: "campaign-outreach", "aria-live": "polite" });
    const notifCard = h("section", { class: "card" }, h("details", { id: "notifications" }, notifSummary, outreachBox, notifList));

    // The live screen: on a laptop, stock, orders and flash sales in one column beside questions and polls in the other
    // (console.css); on a phone one column. Add-ons' cards go after the lifecycle card or at the end, outside the grid.
    const liveGrid = h("div", { id: "live-grid", class: "live-grid" },
      h("div", { id: "orders-column", class: "live-column" },
        itemsCard, ordersCard, flashCard),
      h("div", { id: "talk-column", class: "live-column" },
        commentsCard, pollsCard));
    SC.fill(root, head, lifecycle, fulfilCard, liveGrid, reportCard, notifCard);
    SC.fill(app, root);
    hooks("campaignPage", root, campaignId, extCtx());

    // -- alerts: a new order or question (see "live alerts" above) --

    let titleFlash = null; // { kind, timer } while the tab title flashes
    const baseTitle = () => (s.campaign ? s.campaign.title + " · " : "") + SC.t("console.title");
    const soundSwitch = $("#alert-sound", root);
    const drawSoundSwitch = () => {
      soundSwitch.setAttribute("aria-pressed", String(soundOn()));
      soundSwitch.textContent = SC.t(soundOn() ? "alert.soundOn" : "alert.soundOff");
    };
    drawSoundSwitch();
    soundSwitch.addEventListener("click", () => {
      localStorage.setItem(SOUND_STORAGE, soundOn() ? "off" : "on");
      drawSoundSwitch();
      if (soundOn()) audio(); // a click is the moment a browser lets the page start its sound
    });

    function stopTitleFlash() {
      if (!titleFlash) return;
      clearInterval(titleFlash.timer);
      titleFlash = null;
      delete root.dataset.titleFlash;
      document.title = baseTitle();
    }

    /** Alternates the tab title with 【新订单】/【新提问】 until the leader looks at the page again. */
    function startTitleFlash(kind) {
      if (titleFlash) clearInterval(titleFlash.timer);
      let on = true;
      const show = () => { document.title = on ? SC.t("alert.title." + kind) + baseTitle() : baseTitle(); on = !on; };
      titleFlash = { kind, timer: setInterval(show, 1000) };
      root.dataset.titleFlash = kind;
      show();
    }

    const seen = () => stopTitleFlash();
    const visibility = () => { if (document.visibilityState === "visible") stopTitleFlash(); };
    window.addEventListener("focus", seen);
    document.addEventListener("visibilitychange", visibility);
    document.addEventListener("pointerdown", seen, true);
    document.addEventListener("keydown", seen, true);
    view.cleanup.push(() => {
      stopTitleFlash();
      window.removeEventListener("focus", seen);
      document.removeEventListener("visibilitychange", visibility);
      document.removeEventListener("pointerdown", seen, true);
      document.removeEventListener("keydown", seen, true);
    });

    function raiseAlert(kind) {
      const muted = !soundOn();
      const entry = { kind, campaignId, muted, sound: !muted && beep(kind), vibrate: !muted && vibrate(kind), title: true, at: new Date().toISOString() };
      startTitleFlash(kind);
      alertLog.push(entry);
      root.dataset.alerts = String(alertLog.filter((a) => a.campaignId === campaignId).length);
      root.dataset.lastAlert = kind;
    }

    // -- drawing --

    const phase = () => (s.campaign ? s.campaign.phase : "");
    const itemName = (id) => ((s.campaign && s.campaign.items.find((i) => i.itemId === id)) || {}).name || id;

    function drawHead() {
      const c = s.campaign;
      if (!c) return;
      $("#campaign-title").textContent = c.title;
      if (!titleFlash) document.title = baseTitle();
      const badge = $("#campaign-phase");
      badge.className = "badge " + c.phase;
      badge.dataset.phase = c.phase;
      badge.textContent = SC.phaseLabel(c.phase);
      $("#campaign-store").textContent = c.store ? SC.t("c.store", c.store) : storeName(c.storeId);
      SC.fill($("#schedule"), ["preheatAt", "liveStartAt", "liveEndAt", "pickupUntil"].flatMap((k) => [tx("dt", "c." + k), h("dd", { "data-time": k }, SC.formatTime(c[k]))]));
      const actions = ACTIONS[c.phase] || [];
      // Redraw the buttons only when they change: a reload must not pull the focus out from under a keyboard user.
      const actionsKey = [c.phase, SC.lang(), c.preheatAt, c.liveStartAt, c.liveEndAt, c.pickupUntil].join("|");
      if (actionsKey !== s.actionsKey) {
        s.actionsKey = actionsKey;
        SC.fill($("#actions"), actions.length ? actions.map((a) => h("button", { type: "button", "data-action": a, class: a === "cancel" ? "danger" : "primary" }, SC.t("action." + a)))
          : tx("p", "action.none", { class: "muted" }));
        // What happens by itself, and when: first-time leaders asked whether they must press every button.
        const hint = SC.t("hint." + c.phase, { preheat: SC.formatTime(c.preheatAt), start: SC.formatTime(c.liveStartAt), end: SC.formatTime(c.liveEndAt), pickup: SC.formatTime(c.pickupUntil) });
        if (hint !== "hint." + c.phase) $("#actions").append(h("p", { id: "actions-hint", class: "muted hint" }, hint));
      }
      if (confirm.open && !actions.includes(confirm.dataset.action)) confirm.close();
      const after = AFTER_CLOSE.includes(c.phase);
      flashCard.hidden = c.phase !== "live";
      restockForm.hidden = c.phase !== "live";
      pollForm.hidden = !["draft", "preheat", "live"].includes(c.phase);
      fulfilCard.hidden = !after;
    }

    function drawHistory() {
      const list = $("#history");
      if (!s.history.length) { SC.fill(list, tx("li", "c.noHistory", { class: "muted" })); return; }
      SC.fill(list, s.history.map((e) => {
        const kind = String(e.cause || "").split(":")[0];
        const cause = ["timer", "leader", "admin", "sweeper", "soldOut"].includes(kind) ? SC.t("cause." + kind) : e.cause;
        return h("li", { "data-to": e.to }, h("strong", {}, `${SC.phaseLabel(e.from)} → ${SC.phaseLabel(e.to)}`), " ",
          h("time", { datetime: e.at }, SC.formatTime(e.at, true)), " ", h("span", { class: "cause" }, "· " + cause));
      }));
    }

    function drawItems() {
      const c = s.campaign;
      if (!c) return;
      const canPin = ["preheat", "live"].includes(c.phase);
      SC.fill(itemsBody, c.items.map((i) => {
        const pinned = c.pinnedItemId === i.itemId;
        const short = Math.max(0, i.minGroupSize - i.sold);
        return h("tr", { "data-item-id": i.itemId, class: pinned ? "pinned" : null },
          h("td", {}, i.name, i.unit ? h("span", { class: "muted" }, " / " + i.unit) : null, pinned ? h("span", { class: "badge live pinned-badge" }, " ", SC.t("c.pinned")) : null),
          h("td", { class: "num" }, SC.money(i.priceFen), i.livePriceFen ? h("div", { class: "muted" }, SC.t("c.livePrice", { price: SC.money(i.livePriceFen) })) : null,
            i.memberPriceFen ? h("div", { class: "muted member-price" }, SC.t("c.memberPrice", { price: SC.money(i.memberPriceFen) })) : null),
          h("td", { class: "num" }, h("span", { class: "stock", "data-stock-item": i.itemId }, String(i.remaining)), h("span", { class: "muted" }, " / " + i.stock)),
          h("td", { class: "num" }, h("span", { "data-sold-item": i.itemId }, String(i.sold))),
          h("td", {}, h("progress", { max: i.minGroupSize, value: Math.min(i.sold, i.minGroupSize), "aria-label": `${i.sold}/${i.minGroupSize}` }), " ",
            h("span", { class: short ? "group-short" : "group-met" }, `${i.sold}/${i.minGroupSize} `, short ? SC.t("c.groupShort", { n: short }) : SC.t("c.groupMet"))),
          h("td", {}, canPin ? h("button", { type: "button", "data-pin-item": i.itemId, "aria-pressed": pinned ? "true" : "false" }, pinned ? SC.t("c.pinned") : SC.t("c.pin")) : null));
      }));
      fillSelect(flashForm.itemId, c.items.map((i) => ({ value: i.itemId, label: i.name })));
      fillSelect(restockForm.itemId, c.items.map((i) => ({ value: i.itemId, label: i.name })));
      drawFlash();
    }

    function drawFlash() {
      const c = s.campaign;
      const box = $("#flash-active");
      const active = (c.flashSales || []).filter((f) => f.active && new Date(f.endsAt) > new Date());
      if (!active.length) { SC.fill(box, tx("p", "flash.none", { class: "muted" })); return; }
      SC.fill(box, active.map((f, n) => h("div", { class: "flash-active", "data-flash-id": f.flashSaleId },
        h("span", {}, SC.t("flash.active", { name: itemName(f.itemId), price: SC.money(f.priceFen), sold: f.sold || 0, quantity: f.quantity })), " · ",
        tx("span", "flash.left"), " ",
        h("span", { class: "countdown", id: n === 0 ? "flash-countdown" : null, "data-ends-at": f.endsAt }, SC.countdown(f.endsAt)),
        f.firstNGift > 0 ? h("span", { class: "muted" }, " · ", SC.t("flash.giftOf", { n: f.firstNGift, gift: f.giftName || "" })) : null, " ",
        h("button", { type: "button", "data-end-flash": f.flashSaleId }, SC.t("flash.end")))));
    }

    function drawOrders() {
      ordersHeading.textContent = SC.t("orders.heading", { n: s.orders.length });
      if (!s.orders.length) { SC.fill(ordersBody, h("tr", {}, h("td", { colspan: 8, class: "muted" }, SC.t("orders.empty")))); return; }
      const after = AFTER_CLOSE.includes(phase());
      SC.fill(ordersBody, s.orders.map((o) => {
        const next = o.fulfilment === "delivery" && after ? (o.status === "confirmed" ? "dispatched" : o.status === "dispatched" ? "delivered" : null) : null;
        return h("tr", { "data-order-id": o.orderId },
          h("td", {}, o.memberName), h("td", {}, o.maskedPhone), h("td", {}, lineText(o)), h("td", { class: "num" }, SC.money(o.totalFen)),
          h("td", {}, SC.t("fulfilment." + o.fulfilment), o.address ? h("div", { class: "muted" }, o.address) : null),
          h("td", { class: "status", "data-status": o.status }, SC.statusLabel(o.status)),
          h("td", {}, SC.formatTime(o.createdAt)),
          h("td", {}, next ? h("button", { type: "button", "data-delivery": next, "data-order": o.orderId }, SC.t("delivery." + next)) : null));
      }));
    }

    function drawPickups() {
      if (!s.pickups.length) { SC.fill(pickupBody, h("tr", {}, h("td", { colspan: 6, class: "muted" }, SC.t("pickup.empty")))); return; }
      SC.fill(pickupBody, s.pickups.map((o) => h("tr", { "data-order-id": o.orderId },
        h("td", {}, o.memberName), h("td", {}, o.maskedPhone), h("td", {}, lineText(o)), h("td", { class: "num" }, SC.money(o.totalFen)),
        h("td", { class: "status", "data-status": o.status }, SC.statusLabel(o.status)), h("td", {}, SC.formatTime(o.fulfilledAt)))));
    }

    function upsertComment(c, prepend) {
      $(".empty", commentsList)?.remove();
      let li = $$("[data-comment-id]", commentsList).find((x) => x.dataset.commentId === c.commentId);
      if (!li && c.text === undefined) { loadComments(); return; } // an answer to a comment this page has not seen yet
      if (!li) {
        const id = "answer-" + commentsList.children.length + "-" + Math.random().toString(36).slice(2, 7);
        const input = h("input", { id, name: "text", maxlength: 200, autocomplete: "off" });
        const form = h("form", { class: "answer-form" },
          h("label", { for: id }, SC.t("comments.answerLabel", { name: c.maskedName })),
          h("div", { class: "row" }, input, tx("button", "comments.answer", { type: "submit", class: "answer-submit" })),
          h("div", { class: "error", role: "alert", hidden: true }));
        onSubmit(form, $(".error", form), async () => {
          const text = input.value.trim();
          const answered = await api("POST", `${path}/comments/${encodeURIComponent(c.commentId)}/answer`, { body: { text } });
          input.value = "";
          upsertComment(answered || { commentId: c.commentId, answer: text });
          SC.toast(SC.t("comments.sent"));
        });
        li = h("li", { class: "comment", "data-comment-id": c.commentId },
          h("div", {}, h("span", { class: "who" }, c.maskedName), h("span", { class: "text" }, c.text), " ",
            h("time", { class: "muted", datetime: c.at || "" }, c.at ? SC.formatTime(c.at) : "")),
          h("div", { class: "answer", hidden: true }, tx("span", "comments.answered"), h("span", { class: "answer-text" })),
          form);
        if (prepend) commentsList.prepend(li); else commentsList.append(li);
      }
      if (c.answer) {
        $(".answer-text", li).textContent = c.answer;
        $(".answer", li).hidden = false;
      }
    }

    function upsertPoll(p, fromLoad) {
      $(".empty", pollList)?.remove();
      const old = $$("[data-poll-id]", pollList).find((x) => x.dataset.pollId === p.pollId);
      const known = s.polls.get(p.pollId);
      // A list fetched before a live update must not roll counts back: votes only ever grow.
      if (fromLoad && known) {
        const sum = (x) => (x.counts || []).reduce((a, b) => a + b, 0);
        if (sum(known) > sum(p)) p = Object.assign({}, p, { counts: known.counts });
        if (known.isOpen === false) p.isOpen = false;
      }
      p = Object.assign({}, known || {}, p);
      if (p.isOpen === undefined) p.isOpen = true;
      s.polls.set(p.pollId, p);
      const counts = p.counts || p.options.map(() => 0);
      const total = counts.reduce((a, b) => a + b, 0);
      const el = h("div", { class: "poll", "data-poll-id": p.pollId, "data-open": String(p.isOpen) },
        h("h4", {}, p.question, " ", h("span", { class: "badge " + (p.isOpen ? "live" : "cancelled") }, SC.t(p.isOpen ? "polls.isOpen" : "polls.closed"))),
        h("ol", {}, p.options.map((o, i) => {
          const bar = h("span", { class: "bar" });
          bar.style.width = (total ? Math.round((counts[i] || 0) * 100 / total) : 0) + "%";
          return h("li", { "data-option": i }, h("span", { class: "option-text" }, o), "：", h("span", { class: "poll-count", "data-option": i }, String(counts[i] || 0)), bar);
        })),
        h("p", { class: "muted poll-total" }, SC.t("polls.total", { n: total })),
        p.isOpen ? h("button", { type: "button", class: "poll-close", "data-poll": p.pollId }, SC.t("polls.close")) : null);
      if (old) old.replaceWith(el); else pollList.prepend(el);
    }

    function drawComments(list) {
      if (!list.length && !$("[data-comment-id]", commentsList)) { SC.fill(commentsList, tx("li", "comments.empty", { class: "muted empty" })); return; }
      list.forEach((c) => upsertComment(c, true));
    }

    function drawReport() {
      const box = $("#report");
      if (s.reportState === "pending") {
        SC.fill(box, tx("p", "report.pending", { id: "report-pending", class: "muted" }),
          tx("button", "report.generate", { type: "button", id: "report-generate" }));
      } else if (s.reportState === "ready" && s.report) {
        const r = s.report;
        SC.fill(box,
          h("p", { class: "actions" },
            // The page in the console's language (each report page is in one language only).
            tx("a", "report.open", { id: "report-link", href: (r.reportUrls && (SC.lang() === "en" ? r.reportUrls.en : r.reportUrls.zh)) || r.reportUrl, target: "_blank", rel: "noopener", class: "button primary" }),
            r.csvUrl ? tx("a", "report.csv", { href: r.csvUrl, class: "button", target: "_blank", rel: "noopener" }) : null,
            r.jsonUrl ? tx("a", "report.json", { href: r.jsonUrl, class: "button", target: "_blank", rel: "noopener" }) : null,
            tx("button", "report.regenerate", { type: "button", id: "report-generate" })),
          h("p", { class: "muted" }, SC.t("report.generatedAt", { time: SC.formatTime(r.generatedAt) })),
          metricsList(r.metrics || {}, ["gmvFen", "orders", "cancelledOrders", "buyers", "averageOrderValueFen", "groupSuccessRate", "sellOutSeconds",
            "reservations", "reservationToBuyerRate", "fulfilledOrders", "reviewRate", "photoRate", "averageRating", "nps"], "report-metrics"));
      } else {
        SC.fill(box);
      }
    }

    const kindLabel = (kind) => (SC.t("kind." + kind) === "kind." + kind ? kind : SC.t("kind." + kind));

    function drawOutreach() {
      const o = s.outreach;
      if (!o) { SC.fill(outreachBox); return; }
      const counts = ["sent", "waiting", "quietHours", "optedOut", "unreachable", "failed"];
      SC.fill(outreachBox, tx("h4", "outreach.heading"),
        !o.enabled ? tx("p", "outreach.off", { class: "muted" })
          : !o.kinds.length ? tx("p", "outreach.none", { class: "muted" })
            : h("ul", { class: "list-plain" }, o.kinds.map((k) => h("li", { "data-outreach-kind": k.kind },
              h("span", { class: "badge" }, kindLabel(k.kind)), " ",
              counts.filter((c) => k[c] > 0).map((c) => h("span", { class: c === "failed" ? "outreach-count danger" : "outreach-count", "data-count": c }, SC.t("outreach." + c, { n: k[c] }))).reduce((all, el, i) => (i ? all.concat(" · ", el) : [el]), [])))));
    }

    function drawNotifications() {
      drawOutreach();
      notifSummary.textContent = SC.t("notifications.heading", { n: s.notifications.length });
      SC.fill(notifList, s.notifications.length
        ? s.notifications.slice().reverse().map((n) => h("li", { "data-kind": n.kind }, h("span", { class: "badge" }, kindLabel(n.kind)), " ", n.text, " ",
          h("span", { class: "muted" }, SC.formatTime(n.at))))
        : tx("li", "notifications.empty", { class: "muted" }));
    }

    view.redraw.push(() => {
      drawHead(); drawHistory(); drawItems(); drawOrders(); drawPickups(); drawReport(); drawNotifications(); drawSoundSwitch();
      if (confirm.open && confirm.dataset.action) askFirst(confirm.dataset.action);
      [...s.polls.values()].forEach((p) => upsertPoll(p));
      $$("[data-comment-id]", commentsList).forEach((li) => {
        const label = $("label", li);
        if (label) label.textContent = SC.t("comments.answerLabel", { name: $(".who", li).textContent });
      });
      setStatus(liveState);
    });

    // -- loading --

    const guard = (p, boxId) => p.catch((e) => {
      if (!alive) return;
      if (e.status === 404 && boxId === "campaign-load-error") {
        SC.fill(root, h("section", { class: "card" }, tx("p", "c.notFound", { class: "error", role: "alert" }), tx("a", "common.back", { href: "#/" })));
        alive = false;
        return;
      }
      SC.showError($("#" + boxId), e);
    });
    // What an event brought after a read was issued is newer than that read: keep it (stock, phase, pin, flash sales).
    // A read and an event each carry the campaign's seq: of two values of one thing, the higher seq wins (SC.seqClock).
    const seqs = SC.seqClock();
    const loadCampaign = () => {
      return guard(api("GET", path).then((c) => {
        if (!alive) return;
        const keep = (key) => { if (seqs.newerThan(key, c.seq)) return true; seqs.read(key, c.seq); return false; };
        for (const item of c.items) {
          const known = s.campaign && s.campaign.items.find((i) => i.itemId === item.itemId);
          if (known && keep("stock:" + item.itemId)) item.remaining = known.remaining;
        }
        if (s.campaign && keep("phase")) c.phase = s.campaign.phase;
        if (s.campaign && keep("pinned")) c.pinnedItemId = s.campaign.pinnedItemId;
        if (s.campaign && keep("flash")) c.flashSales = s.campaign.flashSales;
        s.campaign = c; if (c.timeZone) SC.setTimeZone(c.timeZone); drawHead(); drawItems(); drawOrders();
      }), "campaign-load-error");
    };
    const loadHistory = () => guard(api("GET", path + "/history").then((r) => { if (alive) { s.history = r; drawHistory(); } }), "action-error");
    const loadOrders = () => guard(api("GET", path + "/orders").then((r) => { if (alive) { s.orders = r.slice().sort((a, b) => String(b.createdAt).localeCompare(String(a.createdAt))); drawOrders(); } }), "orders-error");
    const loadComments = () => guard(api("GET", path + "/comments").then((r) => { if (alive) drawComments(r); }), "campaign-load-error");
    const loadPolls = () => guard(api("GET", path + "/polls").then((r) => {
      if (!alive) return;
      if (!r.length && !s.polls.size) SC.fill(pollList, tx("p", "polls.empty", { class: "muted empty" }));
      r.slice().sort((a, b) => String(a.createdAt).localeCompare(String(b.createdAt))).forEach((p) => upsertPoll(p, true));
    }), "poll-error");
    const loadViewers = () => api("GET", path + "/viewers").then((r) => { if (alive) $("#viewer-count").textContent = String(r.count); }).catch(() => {});
    const loadPickups = () => (AFTER_CLOSE.includes(phase())
      ? guard(api("GET", path + "/pickup-list").then((r) => { if (alive) { s.pickups = r; drawPickups(); } }), "campaign-load-error") : Promise.resolve());
    const loadReport = () => api("GET", path + "/report").then((r) => { s.report = r; s.reportState = "ready"; }).catch((e) => {
      s.reportState = e.code === "report-not-ready" ? "pending" : "error";
      if (s.reportState === "error") SC.showError($("#report-error"), e);
    }).then(() => { if (alive) drawReport(); });
    const loadNotifications = () => Promise.all([
      api("GET", path + "/notifications").then((r) => { if (alive) s.notifications = r; }).catch(() => {}),
      api("GET", path + "/outreach").then((r) => { if (alive) s.outreach = r; }).catch(() => {}),
    ]).then(() => { if (alive) drawNotifications(); });

    async function reloadAll() {
      await loadCampaign();
      if (!alive) return;
      await Promise.all([loadHistory(), loadOrders(), loadComments(), loadPolls(), loadViewers(), loadPickups(), loadReport(), loadNotifications()]);
    }

    const timers = {};
    const debounce = (name, fn, ms) => { clearTimeout(timers[name]); timers[name] = setTimeout(() => { if (alive) fn(); }, ms); };
    view.cleanup.push(() => Object.values(timers).forEach(clearTimeout));

    // -- interactions --

    async function act(action) {
      const box = $("#action-error");
      SC.showError(box, null);
      if (confirm.open) confirm.close();
      $$("#actions button").forEach((b) => { b.disabled = true; });
      try {
        s.campaign = await api("POST", `${path}/actions/${action}`);
        SC.toast(SC.t("action.done", { action: SC.t("action." + action) }));
        drawHead(); drawItems();
        await Promise.all([loadHistory(), loadOrders(), loadPickups(), loadReport(), loadNotifications()]);
      } catch (e) {
        SC.showError(box, e);
        loadCampaign();
      } finally {
        // The buttons may be the same ones (an action that had already happened answers the same phase).
        $$("#actions button").forEach((b) => { b.disabled = false; });
      }
    }

    $("#actions").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (!button) return;
      const action = button.dataset.action;
      if (action === "close" || action === "cancel") { askFirst(action); return; }
      act(action);
    });

    function askFirst(action) {
      confirm.dataset.action = action;
      $("#confirm-title", confirm).textContent = SC.t("c.confirmTitle." + action);
      $("#confirm-text", confirm).textContent = SC.t(action === "close" ? "c.closeConfirm" : "c.cancelConfirm");
      $("#confirm-action", confirm).textContent = SC.t("action." + action);
      if (!confirm.open) confirm.showModal();
      $("#confirm-dismiss", confirm).focus(); // the safe choice has the focus: Enter by habit does not end the campaign
    }
    $("#confirm-action").addEventListener("click", () => { const action = confirm.dataset.action; confirm.close(); if (action) act(action); });
    $("#confirm-dismiss").addEventListener("click", () => confirm.close());
    confirm.addEventListener("close", () => { delete confirm.dataset.action; });

    itemsBody.addEventListener("click", async (event) => {
      const button = event.target.closest("button[data-pin-item]");
      if (!button) return;
      const box = $("#pin-error");
      SC.showError(box, null);
      button.disabled = true;
      try {
        await api("POST", path + "/pin", { body: { itemId: button.dataset.pinItem } });
        s.campaign.pinnedItemId = button.dataset.pinItem;
        drawItems();
      } catch (e) { SC.showError(box, e); button.disabled = false; }
    });

    onSubmit(flashForm, $("#flash-error", flashForm), async () => {
      const price = SC.toFen(flashForm.priceFen.value);
      if (Number.isNaN(price)) throw localError({ priceFen: [SC.t("new.yuanInvalid")] });
      const num = (v) => (v.trim() === "" ? null : Number(v));
      const body = { itemId: flashForm.itemId.value, quantity: num(flashForm.quantity.value), priceFen: price, durationSeconds: num(flashForm.durationSeconds.value) ?? 60, firstNGift: num(flashForm.firstNGift.value), giftName: flashForm.giftName.value.trim() || null };
      const f = await api("POST", path + "/flash-sales", { body, idempotencyKey: intentKey(flashForm, body) });
      flashForm.intent = null;
      addFlash(Object.assign({ sold: 0 }, f, { active: true }));
      SC.toast(SC.t("flash.started"));
    });

    onSubmit(restockForm, $("#restock-error", restockForm), async () => {
      const quantity = Number(restockForm.quantity.value);
      if (!Number.isInteger(quantity) || quantity < 1 || quantity > 10000) throw localError({ quantity: [SC.t("restock.quantity") + ": 1–10000"] });
      const itemId = restockForm.itemId.value;
      const body = { quantity };
      const r = await api("POST", `${path}/items/${encodeURIComponent(itemId)}/restock`, { body, idempotencyKey: intentKey(restockForm, { itemId, quantity }) });
      restockForm.intent = null; // the next 补货 of the same size is a new one
      const item = s.campaign.items.find((i) => i.itemId === itemId);
      if (item) { item.stock = r.stock; item.remaining = r.remaining; }
      drawItems();
      SC.toast(SC.t("restock.done", { name: itemName(itemId), quantity: r.quantity, remaining: r.remaining, held: r.held }));
    });

    $("#flash-active").addEventListener("click", async (event) => {
      const button = event.target.closest("button[data-end-flash]");
      if (!button) return;
      button.disabled = true;
      const box = $("#flash-error", flashForm);
      try {
        const f = await api("POST", path + "/flash-sales/" + encodeURIComponent(button.dataset.endFlash) + "/end");
        addFlash(Object.assign({}, f, { active: false }));
        SC.toast(SC.t("flash.ended"));
      } catch (e) { SC.showError(box, e); button.disabled = false; }
    });

    function addFlash(f) {
      const list = s.campaign.flashSales || (s.campaign.flashSales = []);
      const at = list.findIndex((x) => x.flashSaleId === f.flashSaleId);
      if (at >= 0) list[at] = Object.assign({}, list[at], f); else list.push(Object.assign({ sold: 0, active: true }, f));
      drawFlash();
    }

    const ticker = setInterval(() => {
      $$(".countdown[data-ends-at]", root).forEach((el) => {
        el.textContent = SC.countdown(el.dataset.endsAt);
        if (new Date(el.dataset.endsAt) <= new Date() && !el.dataset.expired) {
          el.dataset.expired = "1";
          debounce("campaign", loadCampaign, 1500);
        }
      });
    }, 1000);
    view.cleanup.push(() => clearInterval(ticker));

    onSubmit(pollForm, $("#poll-error", pollForm), async () => {
      const options = pollForm.options.value.split(/\r?\n/).map((o) => o.trim()).filter(Boolean);
      if (options.length < 2 || options.length > 6) throw localError({ options: [SC.t("polls.optionsInvalid")] });
      const poll = await api("POST", path + "/polls", { body: { question: pollForm.question.value.trim(), options } });
      pollForm.reset();
      upsertPoll(poll);
    });

    pollList.addEventListener("click", async (event) => {
      const button = event.target.closest("button.poll-close");
      if (!button) return;
      button.disabled = true;
      try {
        const poll = await api("POST", `${path}/polls/${encodeURIComponent(button.dataset.poll)}/close`);
        upsertPoll(Object.assign({ isOpen: false }, poll, { isOpen: false }));
      } catch (e) { button.disabled = false; SC.showError($("#poll-error"), e); }
    });

    onSubmit(pickupForm, h("div"), async () => {
      const code = pickupForm.pickupCode.value.trim();
      pickupResult.removeAttribute("role");
      try {
        // One code per member per campaign: every confirmed pickup order of hers is handed over at once.
        const pickup = await api("POST", path + "/pickups", { body: { pickupCode: code } });
        pickupResult.dataset.result = "ok";
        pickupResult.setAttribute("role", "status");
        pickupResult.textContent = SC.t("pickup.ok", { name: pickup.memberName, n: pickup.orders.length, items: pickup.orders.map(lineText).join("、") });
        pickupForm.reset();
      } catch (e) {
        pickupResult.dataset.result = "error";
        pickupResult.setAttribute("role", "alert");
        pickupResult.textContent = e.message;
      }
      $("#pickup-code").focus();
      await Promise.all([loadPickups(), loadOrders()]);
    });

    ordersBody.addEventListener("click", async (event) => {
      const button = event.target.closest("button[data-delivery]");
      if (!button) return;
      button.disabled = true;
      try {
        await api("POST", `/api/orders/${encodeURIComponent(button.dataset.order)}/delivery`, { body: { status: button.dataset.delivery } });
        await loadOrders();
      } catch (e) { button.disabled = false; SC.showError($("#orders-error"), e); }
    });

    $("#report").addEventListener("click", async (event) => {
      const button = event.target.closest("#report-generate");
      if (!button) return;
      button.disabled = true;
      SC.showError($("#report-error"), null);
      try {
        s.report = await api("POST", path + "/report");
        s.reportState = "ready";
        drawReport();
      } catch (e) { button.disabled = false; SC.showError($("#report-error"), e); }
    });

    const csvName = (key) => `${safeFileName(s.campaign ? s.campaign.title : campaignId)}-${SC.t(key)}.csv`;
    ordersCsv.addEventListener("click", () => download(path + "/orders?format=csv", csvName("csv.orders"), ordersCsv, "text/csv"));
    pickupCsv.addEventListener("click", () => download(path + "/pickup-list?format=csv", csvName("csv.pickups"), pickupCsv, "text/csv"));

    // -- real time --

    let liveState = "connecting";
    function setStatus(state) {
      liveState = state;
      const el = $("#live-status");
      if (!el) return;
      el.dataset.state = state;
      el.textContent = SC.t(state === "connecting" ? "common.loading" : "live." + state);
    }

    const handlers = {
      phaseChanged: (e) => {
        if (!s.campaign || !seqs.take("phase", e.seq)) return;
        s.campaign.phase = e.phase;
        drawHead(); drawItems(); drawOrders();
        debounce("phase", () => { loadHistory(); loadCampaign(); loadPickups(); loadReport(); loadNotifications(); loadOrders(); }, 300);
      },
      stockChanged: (e) => {
        if (!seqs.take("stock:" + e.itemId, e.seq)) return; // an older count (another instance's) arriving late
        const item = s.campaign && s.campaign.items.find((i) => i.itemId === e.itemId);
        if (item) { item.remaining = e.remaining; }
        const cell = $(`[data-stock-item="${CSS.escape(e.itemId)}"]`, root);
        if (cell) cell.textContent = String(e.remaining);
      },
      orderPlaced: () => {
        raiseAlert("order");
        debounce("orders", loadOrders, 300);
        debounce("campaign", loadCampaign, 300);
      },
      commentPosted: (e) => {
        const known = $$("[data-comment-id]", commentsList).some((x) => x.dataset.commentId === e.commentId);
        upsertComment(Object.assign({ at: new Date().toISOString() }, e), true);
        if (!known) raiseAlert("question");
      },
      commentAnswered: (e) => upsertComment({ commentId: e.commentId, answer: e.text }),
      pollOpened: (e) => upsertPoll(Object.assign({ isOpen: true }, e)),
      pollUpdated: (e) => upsertPoll(e),
      pollClosed: (e) => upsertPoll(Object.assign({}, e, { isOpen: false })),
      productPinned: (e) => { if (s.campaign && seqs.take("pinned", e.seq)) { s.campaign.pinnedItemId = e.itemId; drawItems(); } },
      flashSaleStarted: (e) => { if (s.campaign && seqs.take("flash", e.seq)) { addFlash(Object.assign({ active: true, sold: 0 }, e)); } },
      flashSaleEnded: (e) => {
        seqs.take("flash", e.seq);
        const f = s.campaign && (s.campaign.flashSales || []).find((x) => x.flashSaleId === e.flashSaleId);
        if (f) { f.active = false; drawFlash(); }
        debounce("campaign", loadCampaign, 300);
      },
      viewerCount: (e) => { $("#viewer-count").textContent = String(e.count); },
    };

    setStatus("connecting");
    reloadAll().then(() => {
      if (!alive) return;
      const connection = SC.connectLive(campaignId, { token: state.key, handlers, onStatus: setStatus, onResync: () => { if (alive) debounce("resync", reloadAll, 100); } });
      view.cleanup.push(() => connection.stop());
    });
  }

  // ---- start ------------------------------------------------------------------------------------------------------

  SC.onLanguageChange(() => {
    drawChrome();
    if (!state.me) { renderSignIn(); return; }
    view.redraw.forEach((fn) => fn());
  });
  window.addEventListener("hashchange", () => render());

  async function boot() {
    SC.translate();
    watchDateInputs();
    SC.bindLanguageToggle($("#lang-toggle"));
    $("#signout").addEventListener("click", () => signOut());
    const key = localStorage.getItem(KEY_STORAGE);
    if (key) {
      try {
        const me = await SC.api("GET", "/api/me", { token: key });
        if (me.role !== "member") {
          state.key = key;
          await afterSignIn(me);
        } else {
          localStorage.removeItem(KEY_STORAGE);
        }
      } catch (e) {
        if (e.status === 401 || e.status === 403) {
          localStorage.removeItem(KEY_STORAGE);
          signInNotice = SC.t("signin.expired");
        } else {
          signInNotice = e.message;
        }
      }
    }
    render();
  }

  boot();
})();
