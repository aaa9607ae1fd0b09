// The member live room (/live/{campaignId}): watch anonymously, join with a phone, reserve, order against live stock,
// ask, vote, then pick up with a code and follow up. Plain browser JavaScript on top of common.js (window.SC).
// Events are applied to state at once and drawn by one coalesced render (bursts of stock and order events stay cheap).
"use strict";

(function () {
  SC.addStrings({
    zh: {
      "live.title": "直播间", "live.viewers": "观看人数", "live.connecting": "正在连接直播间…", "live.info": "直播信息",
      "live.liveStart": "开播", "live.liveEnd": "截单", "live.pickupUntil": "自提截止",
      "live.flash": "⚡ 限时秒杀", "live.pinned": "📌 团长推荐", "live.member": "我的身份",
      "live.leave": "退出 / 切换", "live.hello": "你好，{name}", "live.helloAnon": "已加入社群",
      "live.joinIntro": "加入社群后即可预约、下单、提问和投票。", "live.joinName": "称呼", "live.joinPhone": "手机号",
      "live.joinStore": "自提门店", "live.joinSubmit": "加入社群", "live.haveCode": "我有登录码",
      "live.memberExists": "这个手机号已经加入过本社群。换了手机或清除了浏览器数据？点下面的“换了手机？用验证码登录”，或找团长重新发一个登录码，粘贴到下面。",
      "live.tokenLabel": "登录码", "live.linkSignedIn": "欢迎回来，{name}！已用团长发的登录链接登录。", "live.tokenSubmit": "用登录码进入", "live.tokenInvalid": "登录码无效或已过期，请找团长重新发一个。",
      "live.tokenOtherChain": "这个登录码不属于本社群的会员。",
      "live.joinMissing": "请填写称呼、手机号并选择门店。", "live.joined": "欢迎加入，{name}！",
      "live.codeIntro": "为确认手机号属于您，请输入短信验证码。已是会员？用验证码即可登录。", "live.codeLabel": "验证码",
      "live.sendCode": "获取验证码", "live.resendIn": "{seconds} 秒后可重新获取", "live.codeSent": "验证码已发送，请查收短信。",
      "live.codeMissing": "请输入 6 位验证码。", "live.devMessages": "本地测试：查看模拟短信",
      "live.reserve": "预约直播", "live.reserved": "已预约", "live.reservedToast": "预约成功，开播前会提醒您。",
      "live.items": "本场商品", "live.fulfilment": "取货方式", "live.pickup": "到店自提", "live.delivery": "送货上门",
      "live.address": "送货地址", "live.addressMissing": "送货上门请填写地址。",
      "live.livePrice": "直播价", "live.memberPrice": "会员价", "live.memberPriceHint": "会员价 {price}（会员等级可享）", "live.price": "价格", "live.remaining": "剩余", "live.sold": "已售 {sold}",
      "live.soldOut": "已售罄", "live.group": "成团进度 {sold}/{min}", "live.groupDone": "已成团 {sold}/{min}",
      "live.groupProgress": "成团进度", "live.limit": "每人限购 {limit}", "live.quantity": "数量",
      "live.order": "下单", "live.orderName": "下单：{name}", "live.ordering": "提交中…",
      "live.orderNeedsLive": "开播后才能下单。", "live.joinFirst": "请先加入社群再操作。",
      "live.quantityInvalid": "请输入正确的数量（至少 1 份）。",
      "live.orderOk": "下单成功！订单 #{id} · 合计 {total} · {status}",
      "live.orderFailed": "下单失败：{message}", "live.dismiss": "知道了",
      "live.ticker": "接龙动态", "live.tickerLine": "{name} 买了 {quantity} 份{item}",
      "live.polls": "投票", "live.noPolls": "暂时没有投票。", "live.votes": "{count} 票 · {percent}%",
      "live.voted": "您已投票，谢谢！", "live.alreadyVoted": "您已经投过票了。", "live.pollClosed": "投票已结束，最终结果：",
      "live.comments": "问答", "live.commentLabel": "提个问题或说点什么（200 字以内）", "live.send": "发送",
      "live.commentEmpty": "请先输入内容。", "live.answer": "团长回复：{text}",
      "live.myOrders": "我的订单", "live.noOrders": "还没有本场订单。", "live.orderNo": "订单 #{id}",
      "live.total": "合计 {total}", "live.lineCancelled": "（未成团，已取消）", "live.cancel": "取消订单",
      "live.cancelled": "订单已取消。", "live.pickupCodeLabel": "提货码", "live.showCode": "到店时请在柜台出示此提货码。",
      "live.pickupQrAlt": "提货码二维码", "live.pickupSeeCard": "到店自提请出示上方的提货码（本场自提订单共用一个）。",
      "live.pickupDeadline": "请在 {time} 前自提", "live.deliveryTo": "送货地址：{address}", "live.gift": "（赠品）",
      "live.survey": "满意度回访", "live.satisfaction": "满意度（1–5 分）", "live.nps": "您有多大可能把我们推荐给邻居？（0–10 分）",
      "live.surveyComment": "其他建议（选填）", "live.surveySubmit": "提交回访", "live.choose": "请选择",
      "live.surveyMissing": "请选择满意度和推荐意愿。", "live.surveyThanks": "感谢您的反馈！",
      "live.surveyAlready": "谢谢，我们已经收到您的回访了。",
      "live.review": "晒单评价", "live.rating": "评分（1–5 星）", "live.reviewText": "评价内容",
      "live.photos": "照片（最多 9 张）", "live.reviewSubmit": "发布晒单", "live.reviewMissing": "请选择评分并写几句评价。",
      "live.tooManyPhotos": "最多上传 9 张照片。", "live.uploading": "正在上传照片 {done}/{total}…",
      "live.reviewThanks": "晒单已发布，感谢分享！", "live.reviewPhotos": "晒单已发布，上传了 {count} 张照片。",
      "live.reviewAlready": "您已经评价过这笔订单了。", "live.uploadFailed": "照片上传失败：{message}",
      "live.points": "当前积分 {balance}", "live.pointsEarned": "本次获得 {earned} 积分，当前积分 {balance}",
      "live.note.draft": "直播将于 {start} 开始，开播后即可下单。", "live.note.preheat": "直播将于 {start} 开始，现在可以预约。",
      "live.note.live": "直播进行中，{end} 截单，手慢无！", "live.note.closed": "已截单，正在统计成团结果…",
      "live.note.fulfilling": "成团的订单请凭提货码到店自提。", "live.note.followUp": "感谢参与！欢迎评价晒单。",
      "live.note.completed": "本场已结束，感谢参与！", "live.note.cancelled": "本场已取消，订单已全部取消。",
      "live.notFound": "找不到这场直播，请检查链接。",
      "error.sold-out": "手慢了，库存不足或已售罄。", "error.member-limit": "超出每人限购数量{limit}。",
      "error.price-changed": "价格有变，未下单。现价：{prices}。请确认后重新下单。", "error.price-each": "{quantity} 份 {price}",
      "error.member-limit-n": "（每人最多 {limit} 份）", "error.not-live": "现在不在直播中，暂时不能下单。",
      "error.rate-limited": "操作太频繁，请 {seconds} 秒后再试。", "error.rate-limited-soon": "操作太频繁，请稍后再试。",
      "error.unauthorized": "登录已失效，请重新加入或使用登录码。",
      "error.idempotency-conflict": "这次提交与上一次不一致，请重新下单。",
      "field.code": "验证码不对、已过期或已用过，请检查，或重新获取一个。",
      "live.useCode": "换了手机？用验证码登录", "live.codeLoginIntro": "输入加入时用的手机号，获取短信验证码后即可登录，订单和提货码都在。",
      "live.codeLoginSubmit": "用验证码登录", "live.codeLoginName": "称呼（已是会员可不填）", "live.codeWelcome": "欢迎回来，{name}！",
      "live.flashPrice": "⚡ 秒杀价", "live.inspection": "📄 检测报告：",
      "live.phase.draft": "开团预告", "live.phase.preheat": "预热中", "live.phase.live": "直播中", "live.phase.closed": "已截单",
      "live.phase.fulfilling": "提货中", "live.phase.followUp": "回访中", "live.phase.completed": "已结束", "live.phase.cancelled": "已取消",
    },
    en: {
      "live.title": "Live room", "live.viewers": "Viewers", "live.connecting": "Connecting to the live room…", "live.info": "About this live",
      "live.liveStart": "Live from", "live.liveEnd": "Orders close", "live.pickupUntil": "Pick up by",
      "live.flash": "⚡ Flash sale", "live.pinned": "📌 Leader's pick", "live.member": "Me",
      "live.leave": "Leave / switch", "live.hello": "Hello, {name}", "live.helloAnon": "You have joined",
      "live.joinIntro": "Join the community to reserve, order, ask and vote.", "live.joinName": "Name", "live.joinPhone": "Phone number",
      "live.joinStore": "Pickup store", "live.joinSubmit": "Join", "live.haveCode": "I have a login code",
      "live.memberExists": "This phone number has already joined this community. New phone or cleared browser? Use \"New phone? Sign in with a text code\" below, or ask your leader for a new login code and paste it below.",
      "live.tokenLabel": "Login code", "live.linkSignedIn": "Welcome back, {name}: signed in with your leader's login link.", "live.tokenSubmit": "Sign in with the code", "live.tokenInvalid": "That login code is invalid or expired; ask your leader for a new one.",
      "live.tokenOtherChain": "That login code belongs to another community.",
      "live.joinMissing": "Enter your name and phone and choose a store.", "live.joined": "Welcome, {name}!",
      "live.codeIntro": "To confirm the phone is yours, enter the code sent to it by SMS. Already a member? The code signs you in.", "live.codeLabel": "Code",
      "live.sendCode": "Get a code", "live.resendIn": "New code in {seconds} s", "live.codeSent": "Code sent: check your messages.",
      "live.codeMissing": "Enter the 6-digit code.", "live.devMessages": "Local testing: see the fake SMS",
      "live.reserve": "Reserve this live", "live.reserved": "Reserved", "live.reservedToast": "Reserved: we will remind you before it starts.",
      "live.items": "Items", "live.fulfilment": "How to get it", "live.pickup": "Pick up at the store", "live.delivery": "Deliver to me",
      "live.address": "Delivery address", "live.addressMissing": "Enter an address for delivery.",
      "live.livePrice": "Live price", "live.memberPrice": "Member price", "live.memberPriceHint": "Member price {price} (for member levels)", "live.price": "Price", "live.remaining": "Left", "live.sold": "{sold} sold",
      "live.soldOut": "Sold out", "live.group": "Group {sold}/{min}", "live.groupDone": "Group reached {sold}/{min}",
      "live.groupProgress": "Group progress", "live.limit": "Limit {limit} per member", "live.quantity": "Quantity",
      "live.order": "Order", "live.orderName": "Order: {name}", "live.ordering": "Sending…",
      "live.orderNeedsLive": "Ordering opens when the live starts.", "live.joinFirst": "Join the community first.",
      "live.quantityInvalid": "Enter a valid quantity (at least 1).",
      "live.orderOk": "Ordered! Order #{id} · total {total} · {status}",
      "live.orderFailed": "Order failed: {message}", "live.dismiss": "OK",
      "live.ticker": "Latest orders", "live.tickerLine": "{name} bought {quantity} × {item}",
      "live.polls": "Polls", "live.noPolls": "No polls yet.", "live.votes": "{count} votes · {percent}%",
      "live.voted": "Thanks, your vote is in.", "live.alreadyVoted": "You already voted.", "live.pollClosed": "Poll closed. Final result:",
      "live.comments": "Q&A", "live.commentLabel": "Ask a question or say something (max 200 characters)", "live.send": "Send",
      "live.commentEmpty": "Write something first.", "live.answer": "Leader: {text}",
      "live.myOrders": "My orders", "live.noOrders": "No orders in this live yet.", "live.orderNo": "Order #{id}",
      "live.total": "Total {total}", "live.lineCancelled": " (group not reached, cancelled)", "live.cancel": "Cancel order",
      "live.cancelled": "Order cancelled.", "live.pickupCodeLabel": "Pickup code", "live.showCode": "Show this code at the counter.",
      "live.pickupQrAlt": "Pickup code QR code", "live.pickupSeeCard": "Show the pickup code above at the counter (one code for all your pickup orders here).",
      "live.pickupDeadline": "Pick up by {time}", "live.deliveryTo": "Deliver to: {address}", "live.gift": " (gift)",
      "live.survey": "Quick survey", "live.satisfaction": "Satisfaction (1–5)", "live.nps": "How likely are you to recommend us to a neighbour? (0–10)",
      "live.surveyComment": "Anything else? (optional)", "live.surveySubmit": "Send survey", "live.choose": "Choose",
      "live.surveyMissing": "Choose a satisfaction and a recommendation score.", "live.surveyThanks": "Thank you for your feedback!",
      "live.surveyAlready": "Thanks, we already have your answers.",
      "live.review": "Photo review", "live.rating": "Rating (1–5 stars)", "live.reviewText": "Your review",
      "live.photos": "Photos (up to 9)", "live.reviewSubmit": "Post review", "live.reviewMissing": "Choose a rating and write a few words.",
      "live.tooManyPhotos": "At most 9 photos.", "live.uploading": "Uploading photos {done}/{total}…",
      "live.reviewThanks": "Review posted, thank you!", "live.reviewPhotos": "Review posted with {count} photos.",
      "live.reviewAlready": "You already reviewed this order.", "live.uploadFailed": "Photo upload failed: {message}",
      "live.points": "Points: {balance}", "live.pointsEarned": "You earned {earned} points; balance {balance}",
      "live.note.draft": "Goes live at {start}; ordering opens then.", "live.note.preheat": "Goes live at {start}; reserve now.",
      "live.note.live": "Live now; orders close at {end}. Be quick!", "live.note.closed": "Orders closed; checking which groups were reached…",
      "live.note.fulfilling": "Confirmed orders: pick up at the store with your code.", "live.note.followUp": "Thanks for joining! Tell us how it went.",
      "live.note.completed": "This live has ended. Thank you!", "live.note.cancelled": "This live was cancelled, and so were its orders.",
      "live.notFound": "This live room does not exist. Check the link.",
      "error.sold-out": "Too late: not enough stock left, or sold out.", "error.member-limit": "Over the per-member limit{limit}.",
      "error.price-changed": "The price changed; nothing was ordered. Now: {prices}. Check and order again.", "error.price-each": "{quantity} at {price}",
      "error.member-limit-n": " (at most {limit} each)", "error.not-live": "The live is not on, so ordering is closed.",
      "error.rate-limited": "Too fast: try again in {seconds} s.", "error.rate-limited-soon": "Too fast: try again shortly.",
      "error.unauthorized": "Your sign-in expired: join again or use a login code.",
      "error.idempotency-conflict": "This differs from the previous attempt; please order again.",
      "field.code": "The code is wrong, expired or used: check it, or get a new one.",
      "live.useCode": "New phone? Sign in with a text code", "live.codeLoginIntro": "Enter the phone number you joined with and get a text code to sign in; your orders and pickup code are all there.",
      "live.codeLoginSubmit": "Sign in with the code", "live.codeLoginName": "Name (members may leave it empty)", "live.codeWelcome": "Welcome back, {name}!",
      "live.flashPrice": "⚡ Flash price", "live.inspection": "📄 Inspection report: ",
      "live.phase.draft": "Coming soon", "live.phase.preheat": "Coming soon", "live.phase.live": "Live", "live.phase.closed": "Orders closed",
      "live.phase.fulfilling": "Pickup open", "live.phase.followUp": "Feedback", "live.phase.completed": "Ended", "live.phase.cancelled": "Cancelled",
    },
  });

  const $ = (id) => document.getElementById(id);
  const campaignId = decodeURIComponent((location.pathname.split("/")[2] || "").trim());
  const TOKEN_MAX_AGE_MS = 30 * 24 * 3600 * 1000;
  const ENDED = ["closed", "fulfilling", "followUp", "completed", "cancelled"];

  const S = {
    campaign: null, items: new Map(), flash: new Map(), comments: [], polls: new Map(), ticker: [],
    orders: [], stores: null, token: null, me: null, memberExists: false, showToken: false, live: null,
    pendingOrder: null, ordering: new Set(), trace: new Map(), points: null, memberPrice: false,
    referralCode: new URLSearchParams(location.search).get("ref"),
  };

  // ---- storage ----------------------------------------------------------------------------------------------------

  const tokenKey = () => "sc.member." + S.campaign.chainId;
  function readToken() {
    const raw = localStorage.getItem(tokenKey());
    if (!raw) return null;
    try { const v = JSON.parse(raw); if (v && typeof v === "object" && v.token) return v.token; } catch (e) { /* a bare token */ }
    return raw;
  }
  function saveToken(token, fresh) {
    localStorage.setItem(tokenKey(), token);
    if (fresh || !localStorage.getItem(tokenKey() + ".issuedAt")) localStorage.setItem(tokenKey() + ".issuedAt", new Date().toISOString());
    S.token = token;
  }
  function forgetToken() {
    localStorage.removeItem(tokenKey());
    localStorage.removeItem(tokenKey() + ".issuedAt");
    S.token = null; S.me = null; S.orders = []; S.points = null; S.memberPrice = false;
    announceMember();
  }
  const flagKey = (kind, id) => `sc.${kind}.${id}.${S.me ? S.me.memberId : ""}`;
  const getFlag = (kind, id) => localStorage.getItem(flagKey(kind, id));
  const setFlag = (kind, id, value) => localStorage.setItem(flagKey(kind, id), String(value));

  // ---- coalesced rendering ----------------------------------------------------------------------------------------

  const dirty = new Set();
  let renderTimer = 0;
  function invalidate(...parts) {
    parts.forEach((p) => dirty.add(p));
    if (!renderTimer) renderTimer = setTimeout(flush, 40);
  }
  function flush() {
    renderTimer = 0;
    const parts = new Set(dirty);
    dirty.clear();
    if (!S.campaign) return;
    const renderers = { header: renderHeader, member: renderMember, items: renderItems, flash: renderFlash, pinned: renderPinned,
      ticker: renderTicker, polls: renderPolls, comments: renderComments, orders: renderOrders };
    for (const [name, fn] of Object.entries(renderers)) if (parts.has(name) || parts.has("all")) fn(parts.has("all"));
  }
  const ALL = ["all"];

  /** Puts child at position index of box, touching the DOM only when it is elsewhere (moving a node drops its focus). */
  function place(box, child, index) {
    if (box.children[index] !== child) box.insertBefore(child, box.children[index] || null);
  }

  const debounced = new Map();
  function soon(name, fn, ms) {
    clearTimeout(debounced.get(name));
    debounced.set(name, setTimeout(fn, ms));
  }

  // ---- loading ----------------------------------------------------------------------------------------------------

  // Reads race with events (see SC.eventClock): polls, comments, phase, pin, flash sales, stock.
  const { touched, newerThan } = SC.eventClock();
  const seqs = SC.seqClock();

  let campaignSeq = 0;
  async function loadCampaign() {
    const seq = ++campaignSeq;
    const c = await SC.api("GET", "/api/campaigns/" + encodeURIComponent(campaignId));
    if (seq !== campaignSeq) return;
    const phaseBefore = S.campaign && S.campaign.phase;
    // A field an event with a higher seq already set keeps the event's value; otherwise the read's value is shown.
    const keep = (key) => { if (seqs.newerThan(key, c.seq)) return true; seqs.read(key, c.seq); return false; };
    if (S.campaign && keep("campaign:phase")) c.phase = S.campaign.phase;
    if (S.campaign && keep("campaign:pinned")) c.pinnedItemId = S.campaign.pinnedItemId;
    S.campaign = c;
    SC.setTimeZone(c.timeZone);
    for (const item of c.items) {
      const old = S.items.get(item.itemId);
      if (old && keep("stock:" + item.itemId)) { item.remaining = old.remaining; item.sold = old.sold; }
      S.items.set(item.itemId, item);
    }
    const flash = new Map(c.flashSales.filter((f) => f.active && !keep("flash:" + f.flashSaleId)).map((f) => [f.flashSaleId, f]));
    for (const [id, f] of S.flash) if (seqs.newerThan("flash:" + id, c.seq)) flash.set(id, f);
    S.flash = flash;
    if (phaseBefore && phaseBefore !== c.phase && ENDED.includes(c.phase)) soon("orders", loadOrders, 200);
    invalidate("header", "member", "items", "flash", "pinned", "orders");
  }

  async function loadViewers() {
    try { const v = await SC.api("GET", `/api/campaigns/${encodeURIComponent(campaignId)}/viewers`); setViewers(v.count); } catch (e) { /* shown by events */ }
  }

  async function loadComments() {
    try {
      const issued = performance.now();
      const loaded = await SC.api("GET", `/api/campaigns/${encodeURIComponent(campaignId)}/comments`);
      const ids = new Set(loaded.map((c) => c.commentId));
      const later = S.comments.filter((c) => !ids.has(c.commentId) && newerThan("comment:" + c.commentId, issued));
      for (const c of loaded) {
        const mine = S.comments.find((x) => x.commentId === c.commentId);
        if (mine && mine.answer && !c.answer && newerThan("comment:" + c.commentId, issued)) c.answer = mine.answer;
      }
      S.comments = loaded.concat(later).slice(-50);
      invalidate("comments");
    } catch (e) { /* keep */ }
  }

  async function loadPolls() {
    try {
      const issued = performance.now();
      const polls = await SC.api("GET", `/api/campaigns/${encodeURIComponent(campaignId)}/polls`);
      const next = new Map(polls.map((p) => [p.pollId, p]));
      for (const [id, p] of S.polls) if (newerThan("poll:" + id, issued)) next.set(id, p);
      S.polls = next;
      invalidate("polls");
    } catch (e) { /* keep */ }
  }

  let ordersSeq = 0;
  async function loadOrders() {
    if (!S.token) { S.orders = []; invalidate("orders"); return; }
    const seq = ++ordersSeq;
    try {
      const all = await memberApi("GET", "/api/members/me/orders", { token: S.token });
      if (seq !== ordersSeq) return;
      S.orders = all.filter((o) => o.campaignId === campaignId).sort((a, b) => String(b.createdAt).localeCompare(String(a.createdAt)));
      invalidate("orders");
      if (S.points === null && S.orders.some(followUpEligible)) loadPoints().then(() => invalidate("orders"));
      // Handing goods over sends no event to the member: while a code or a delivery is pending, look again now and then.
      if (S.orders.some((o) => o.status === "confirmed" || o.status === "dispatched")) soon("orders-poll", loadOrders, 8000);
    } catch (e) {
      if (e.status === 401) { forgetToken(); reconnect(); invalidate(...ALL); }
    }
  }

  async function loadPoints() {
    try { S.points = (await memberApi("GET", "/api/members/me/points", { token: S.token })).balance; } catch (e) { /* optional */ }
    return S.points;
  }

  async function resync() {
    await Promise.allSettled([loadCampaign(), loadComments(), loadPolls(), loadOrders(), loadViewers()]);
  }

  // ---- live connection --------------------------------------------------------------------------------------------

  function setViewers(count) { $("viewer-count").textContent = String(count ?? 0); }

  const handlers = {
    phaseChanged(e) {
      if (!S.campaign || !e || !e.phase || !seqs.take("campaign:phase", e.seq)) return;
      S.campaign.phase = e.phase;
      invalidate("header", "member", "items", "orders");
      soon("campaign", () => loadCampaign().catch(() => {}), 300);
      if (ENDED.includes(e.phase)) soon("orders", loadOrders, 300);
    },
    stockChanged(e) {
      const item = S.items.get(e.itemId);
      if (!item) { soon("campaign", () => loadCampaign().catch(() => {}), 200); return; }
      if (!seqs.take("stock:" + e.itemId, e.seq)) return; // an older count (another instance's) arriving late
      item.remaining = e.remaining;
      item.sold = Math.max(0, item.stock - e.remaining);
      invalidate("items", "pinned");
    },
    orderPlaced(e) {
      S.ticker.push(e);
      if (S.ticker.length > 20) S.ticker.splice(0, S.ticker.length - 20);
      for (const f of S.flash.values()) if (f.itemId === e.itemId) f.sold = Math.min(f.quantity, (f.sold || 0) + (e.quantity || 0));
      invalidate("ticker", "flash");
    },
    commentPosted(e) { addComment(Object.assign({ at: new Date().toISOString() }, e)); },
    commentAnswered(e) {
      const c = S.comments.find((x) => x.commentId === e.commentId);
      if (c) { c.answer = e.text; touched("comment:" + e.commentId); invalidate("comments"); } else soon("comments", loadComments, 200);
    },
    pollOpened(e) { upsertPoll(e, true); },
    pollUpdated(e) { upsertPoll(e, undefined); },
    pollClosed(e) { upsertPoll(e, false); },
    productPinned(e) { if (S.campaign && seqs.take("campaign:pinned", e.seq)) { S.campaign.pinnedItemId = e.itemId; invalidate("pinned"); } },
    flashSaleStarted(e) {
      if (!seqs.take("flash:" + e.flashSaleId, e.seq)) return;
      S.flash.set(e.flashSaleId, Object.assign({ sold: 0, active: true }, e));
      invalidate("flash", "items", "pinned");
      soon("campaign", () => loadCampaign().catch(() => {}), 500);
    },
    flashSaleEnded(e) { seqs.take("flash:" + e.flashSaleId, Number.MAX_SAFE_INTEGER); S.flash.delete(e.flashSaleId); invalidate("flash", "items", "pinned"); },
    viewerCount(e) { setViewers(e.count); },
    notification(e) {
      if (e && e.text) SC.toast(e.text);
      soon("orders", loadOrders, 100);
      document.dispatchEvent(new CustomEvent("sc:event", { detail: { target: "notification", payload: e } })); // add-ons (live-waitlist.js)
    },
    // Rendered by an add-on (live-growth.js), handed over as a DOM event: sc:event {target, payload}.
    shoutOut(e) { document.dispatchEvent(new CustomEvent("sc:event", { detail: { target: "shoutOut", payload: e } })); },
    // Rendered by live-gatherings.js (offline gatherings announced in the room).
    gatheringAnnounced(e) { document.dispatchEvent(new CustomEvent("sc:event", { detail: { target: "gatheringAnnounced", payload: e } })); },
  };

  function upsertPoll(e, isOpen) {
    touched("poll:" + e.pollId);
    const old = S.polls.get(e.pollId);
    S.polls.set(e.pollId, Object.assign({}, old || { isOpen: true, createdAt: new Date().toISOString() }, e, isOpen === undefined ? {} : { isOpen }));
    invalidate("polls");
  }

  function reconnect() {
    if (S.live) S.live.stop();
    S.live = SC.connectLive(campaignId, {
      token: S.token || undefined,
      handlers,
      onStatus(state) {
        const el = $("conn-status");
        el.dataset.state = state;
        el.dataset.i18n = "live." + state;
        el.textContent = SC.t("live." + state);
      },
      onResync: () => { resync(); },
    });
  }

  // ---- header, schedule, member -----------------------------------------------------------------------------------

  function renderHeader() {
    const c = S.campaign;
    $("room-title").textContent = c.title;
    $("room-title").removeAttribute("data-i18n");
    document.title = c.title + " · " + SC.t("live.title");
    const phase = $("phase");
    phase.dataset.phase = c.phase;
    phase.className = "badge " + c.phase;
    phase.textContent = SC.t("live.phase." + c.phase); // members' words, never the console's (草稿, 履约中)
    document.body.dataset.phase = c.phase; // live.css brings "my orders" (the pickup code) to the top once ordering is over
    $("comment-form").hidden = !["preheat", "live"].includes(c.phase);
    invalidate("comments");
    $("store-name").textContent = c.store ? c.store.name : "";
    $("store-address").textContent = c.store ? c.store.address : "";
    $("live-start").textContent = SC.formatTime(c.liveStartAt);
    $("live-end").textContent = SC.formatTime(c.liveEndAt);
    $("pickup-until").textContent = SC.formatTime(c.pickupUntil);
    $("phase-note").textContent = SC.t("live.note." + c.phase, { start: SC.formatTime(c.liveStartAt), end: SC.formatTime(c.liveEndAt) });
    // Add-ons (live-video.js: the player and the intro) follow the campaign as drawn: sc:campaign {campaign}.
    document.dispatchEvent(new CustomEvent("sc:campaign", { detail: { campaign: c } }));
  }

  function renderMember() {
    const joined = !!S.token;
    $("me").hidden = !joined;
    $("me-name").textContent = S.me && S.me.name ? SC.t("live.hello", { name: S.me.name }) : SC.t("live.helloAnon");
    $("join-form").hidden = joined;
    $("orders-card").hidden = !joined;
    $("token-form").hidden = joined || !(S.showToken || S.memberExists);
    $("member-exists").hidden = !S.memberExists;
    if (!joined && !S.stores) loadStores();
    const reserve = $("reserve");
    const canReserve = ["draft", "preheat"].includes(S.campaign.phase);
    const reserved = joined && getFlag("reserved", campaignId) === "1";
    reserve.hidden = !canReserve;
    reserve.disabled = reserved;
    reserve.textContent = SC.t(reserved ? "live.reserved" : "live.reserve");
    reserve.classList.toggle("primary", !reserved);
    if (!canReserve) SC.showError($("reserve-error"), null);
  }

  // One load at a time; join() waits for it, so a quick tap before the list arrives still joins the campaign's store.
  let storesLoading = null;
  function loadStores() {
    if (storesLoading) return storesLoading;
    S.stores = [];
    storesLoading = (async () => {
      try {
        S.stores = await SC.api("GET", `/api/chains/${encodeURIComponent(S.campaign.chainId)}/stores`);
      } catch (e) { S.stores = null; return; } finally { storesLoading = null; }
      const select = $("join-store");
      SC.fill(select, S.stores.map((s) => SC.el("option", { value: s.storeId }, s.address ? `${s.name}（${s.address}）` : s.name)));
      select.value = S.campaign.storeId;
    })();
    return storesLoading;
  }

  function focusJoin() {
    const form = $("token-form").hidden ? $("join-form") : $("token-form");
    $("member").scrollIntoView({ behavior: "smooth", block: "start" });
    const field = form.querySelector("input");
    if (field) field.focus({ preventScroll: true });
    SC.toast(SC.t("live.joinFirst"));
  }

  // Tells add-ons (live-growth.js: the 我的 panel; live-koc.js: the trial feedback form) who is signed in now, and how
  // to read the token later (a refresh replaces it).
  function announceMember() {
    document.dispatchEvent(new CustomEvent("sc:member", { detail: { token: S.token, chainId: S.campaign && S.campaign.chainId, currentToken: () => S.token } }));
  }

  async function signedIn(token, name, fresh) {
    saveToken(token, fresh);
    S.memberExists = false; S.showToken = false;
    try {
      const me = await SC.api("GET", "/api/me", { token });
      S.me = { memberId: me.memberId, name: me.name || name, storeId: me.storeId };
    } catch (e) { S.me = { name }; }
    invalidate(...ALL);
    reconnect();
    loadOrders();
    loadMemberPrice();
    announceMember();
  }

  async function join(ev) {
    ev.preventDefault();
    if (!(await campaignLoaded())) return;
    const form = $("join-form");
    if (!$("join-store").value) await (storesLoading || loadStores());
    const body = { name: $("join-name").value.trim(), phone: $("join-phone").value.replace(/\s+/g, ""), storeId: $("join-store").value };
    // Signing in with a code: a member's name is already known (the server keeps it); a newcomer joins as 邻居.
    if (S.codeLogin && !body.name) body.name = "邻居";
    if (S.referralCode) body.referralCode = S.referralCode; // from a neighbour's share link (?ref=CODE)
    if (!body.name || !body.phone || !body.storeId) { SC.showError($("join-error"), new Error(SC.t("live.joinMissing")), form); return; }
    if (S.needsCode) {
      body.code = $("join-code").value.trim();
      if (!/^[0-9]{6}$/.test(body.code)) { SC.showError($("join-error"), new Error(SC.t("live.codeMissing")), form); $("join-code").focus(); return; }
    }
    const button = $("join-submit");
    button.disabled = true;
    try {
      const joined = await SC.api("POST", `/api/chains/${encodeURIComponent(S.campaign.chainId)}/members`, { body });
      SC.showError($("join-error"), null, form);
      await signedIn(joined.memberToken, joined.name || body.name, true);
      SC.toast(SC.t(S.codeLogin ? "live.codeWelcome" : "live.joined", { name: joined.name || body.name }));
      codeLoginMode(false);
    } catch (e) {
      if (e.code === "validation" && e.errors && e.errors.code && !S.needsCode) {
        // The chain asks for a one-time code (MemberVerification): show the code field and send the first code.
        SC.showError($("join-error"), null, form);
        S.needsCode = true;
        S.chainNeedsCode = true;
        $("join-code-row").hidden = false;
        await sendCode();
        $("join-code").focus();
      } else if (e.code === "validation" && e.errors && e.errors.referralCode && body.referralCode) {
        S.referralCode = null; // a stale or mistyped share link must not keep a neighbour out: join without it
        return join(ev);
      } else if (e.code === "member-exists") {
        SC.showError($("join-error"), null, form);
        S.memberExists = true;
        renderMember();
        $("join-token").focus();
      } else {
        SC.showError($("join-error"), friendly(e), form);
      }
    } finally { button.disabled = false; }
  }

  /**
   * "换了手机？用验证码登录": the join form asks for a text code (POST …/members/verification) and the join route with
   * the code signs a known phone in (200, her token) — whether or not the chain asks new members for a code.
   */
  function codeLoginMode(on) {
    S.codeLogin = on;
    S.needsCode = on || !!S.chainNeedsCode;
    $("join-code-row").hidden = !S.needsCode;
    $("join-code-login").hidden = on;
    $("join-code-login-intro").hidden = !on;
    const nameLabel = document.querySelector('label[for="join-name"]');
    nameLabel.dataset.i18n = on ? "live.codeLoginName" : "live.joinName";
    nameLabel.textContent = SC.t(nameLabel.dataset.i18n);
    const submit = $("join-submit");
    submit.dataset.i18n = on ? "live.codeLoginSubmit" : "live.joinSubmit";
    submit.textContent = SC.t(submit.dataset.i18n);
    $("join-name").required = !on;
  }

  /** A tap before the room has loaded (a slow network) waits for it, up to 15 s, instead of failing. */
  async function campaignLoaded() {
    for (let i = 0; !S.campaign && i < 150; i++) await new Promise((r) => setTimeout(r, 100));
    return !!S.campaign;
  }

  /** Sends a one-time code to the phone (the same 202 for members and newcomers), then counts down 60 s. */
  async function sendCode() {
    if (!(await campaignLoaded())) return;
    const phone = $("join-phone").value.replace(/\s+/g, "");
    const button = $("join-send-code");
    if (!phone) { SC.showError($("join-error"), new Error(SC.t("live.joinMissing")), $("join-form")); return; }
    button.disabled = true;
    let wait = 60;
    try {
      const chainId = encodeURIComponent(S.campaign.chainId);
      await SC.api("POST", `/api/chains/${chainId}/members/verification`, { body: { phone } });
      SC.toast(SC.t("live.codeSent"));
      // Local development only: the fake sender's messages can be read; elsewhere the route is 404 and the link stays hidden.
      const devUrl = `/api/dev/messages?chainId=${chainId}&phone=${encodeURIComponent(phone)}`;
      const dev = await fetch(devUrl).catch(() => null);
      const link = $("join-dev-messages");
      link.hidden = !(dev && dev.ok);
      link.href = devUrl;
    } catch (e) {
      SC.showError($("join-error"), friendly(e), $("join-form"));
      wait = e.retryAfter || 0;
    }
    const original = SC.t("live.sendCode");
    const tick = () => {
      if (wait <= 0) { button.disabled = false; button.textContent = original; return; }
      button.textContent = SC.t("live.resendIn", { seconds: wait });
      wait -= 1;
      setTimeout(tick, 1000);
    };
    tick();
  }

  async function tokenLogin(ev) {
    ev.preventDefault();
    const token = $("join-token").value.trim();
    const error = $("token-error");
    if (!token) { SC.showError(error, new Error(SC.t("live.tokenInvalid"))); return; }
    const button = $("join-token-submit");
    button.disabled = true;
    try {
      const me = await SC.api("GET", "/api/me", { token });
      if (me.role !== "member" || me.chainId !== S.campaign.chainId) { SC.showError(error, new Error(SC.t("live.tokenOtherChain"))); return; }
      SC.showError(error, null);
      $("join-token").value = "";
      // A re-issued code is fresh: refresh it on schedule from now on.
      await signedIn(token, me.name, true);
    } catch (e) {
      SC.showError(error, e.status === 401 || e.status === 403 ? new Error(SC.t("live.tokenInvalid")) : e);
    } finally { button.disabled = false; }
  }

  function leave() {
    forgetToken();
    S.memberExists = false;
    S.stores = null;
    invalidate(...ALL);
    reconnect();
  }

  async function reserve() {
    if (!S.token) { focusJoin(); return; }
    const button = $("reserve");
    button.disabled = true;
    try {
      await memberApi("POST", `/api/campaigns/${encodeURIComponent(campaignId)}/reservations`, { token: S.token });
      setFlag("reserved", campaignId, "1");
      SC.showError($("reserve-error"), null);
      SC.toast(SC.t("live.reservedToast"));
    } catch (e) {
      SC.showError($("reserve-error"), friendly(e));
    }
    renderMember();
  }

  // A refresh revokes the token it replaces: member calls wait for one in flight, then send the new token.
  let tokenRefresh = Promise.resolve();
  async function memberApi(method, path, options) {
    await tokenRefresh;
    return SC.api(method, path, Object.assign({}, options, { token: S.token }));
  }

  async function refreshTokenIfOld() {
    const issued = Date.parse(localStorage.getItem(tokenKey() + ".issuedAt") || "");
    if (!Number.isNaN(issued) && Date.now() - issued < TOKEN_MAX_AGE_MS) return;
    tokenRefresh = (async () => {
      try {
        const r = await SC.api("POST", "/api/members/me/token", { token: S.token });
        if (r && r.memberToken) saveToken(r.memberToken, true);
      } catch (e) { /* keep the old one while it works */ }
    })();
    await tokenRefresh;
  }

  // ---- errors -----------------------------------------------------------------------------------------------------

  /** An Error whose message is the friendly text for the API's problem code (or the API's own text). */
  function friendly(e, item) {
    if (!(e instanceof SC.ApiError)) return e;
    let text;
    switch (e.code) {
      case "member-limit": {
        const limit = item && item.perMemberLimit;
        text = SC.t("error.member-limit", { limit: limit ? SC.t("error.member-limit-n", { limit }) : "" });
        break;
      }
      case "rate-limited":
        text = e.retryAfter ? SC.t("error.rate-limited", { seconds: e.retryAfter }) : SC.t("error.rate-limited-soon");
        break;
      case "price-changed":
        text = SC.t("error.price-changed", { prices: (e.problem.prices || []).map((p) => SC.t("error.price-each", { quantity: p.quantity, price: SC.money(p.unitPriceFen) })).join("、") });
        break;
      case "sold-out": case "not-live": case "unauthorized": case "idempotency-conflict":
      case "insufficient-points": case "points-over-cap": case "points-spending-off":
        text = SC.t("error." + e.code);
        break;
      default:
        return e;
    }
    const out = new Error(text);
    out.code = e.code;
    out.errors = e.errors;
    return out;
  }

  // ---- items and ordering -----------------------------------------------------------------------------------------

  const itemCards = new Map();
  // What the member typed per item, kept outside the DOM: a re-render (language switch, sign-in) never loses it.
  const quantities = new Map();

  // The member's own price: 会员价 when her level grants it (the server decides the same way), else the live price.
  function ownPrice(item) {
    const usual = item.livePriceFen ?? item.priceFen;
    return S.memberPrice && item.memberPriceFen != null ? Math.min(item.memberPriceFen, usual) : usual;
  }
  const isMemberPriced = (item) => ownPrice(item) < (item.livePriceFen ?? item.priceFen);
  // A running flash sale prices the unit unless her own price is lower (as the order route prices it).
  function activeFlash(item) {
    const flash = [...S.flash.values()].find((f) => f.itemId === item.itemId);
    return flash && flash.priceFen <= ownPrice(item) ? flash : null;
  }
  // What the price on a card is called: 秒杀价 (with ⚡, never the emoji alone), 会员价 or 直播价. Cards and the pinned card share it.
  function priceLabel(item) {
    return activeFlash(item) ? SC.t("live.flashPrice") : isMemberPriced(item) ? SC.t("live.memberPrice") : SC.t("live.livePrice");
  }
  function unitPrice(item) {
    const flash = activeFlash(item);
    return flash ? flash.priceFen : ownPrice(item);
  }

  // Whether this member's orders get 会员价: asked only when an item has one (GET /api/members/me/points).
  let memberPriceAsked = null;
  async function loadMemberPrice() {
    if (!S.token || !S.campaign || !S.campaign.items.some((i) => i.memberPriceFen != null)) return;
    if (memberPriceAsked === S.token) return;
    memberPriceAsked = S.token;
    try {
      const points = await memberApi("GET", "/api/members/me/points", { token: S.token });
      S.memberPrice = !!points.memberPrice;
      invalidate("items", "pinned");
    } catch (e) { memberPriceAsked = null; /* shown at the usual price; the order route still decides */ }
  }

  function buildItemCard(item) {
    const id = "qty-" + item.itemId;
    const card = SC.el("article", { class: "item", dataset: { itemId: item.itemId } },
      SC.el("div", { class: "item-head" },
        SC.el("h3", { class: "item-name" }, item.name, item.unit ? SC.el("span", { class: "unit muted" }, " / " + item.unit) : null),
        SC.el("span", { class: "badge sold-out-badge", hidden: true }, SC.t("live.soldOut"))),
      SC.el("p", { class: "price" }),
      SC.el("p", { class: "stock-line" },
        SC.el("span", { class: "muted" }, SC.t("live.remaining") + " "), SC.el("span", { class: "remaining stock" }), " ",
        SC.el("span", { class: "unit-left muted" }, item.unit || ""), " · ", SC.el("span", { class: "sold muted" })),
      SC.el("div", { class: "group" },
        SC.el("progress", { class: "group-bar", "aria-label": SC.t("live.groupProgress") }),
        SC.el("span", { class: "group-text muted" })),
      item.perMemberLimit ? SC.el("p", { class: "limit muted" }, SC.t("live.limit", { limit: item.perMemberLimit })) : null,
      SC.el("div", { class: "buy" },
        SC.el("div", { class: "qty" },
          SC.el("label", { for: id }, SC.t("live.quantity")),
          SC.el("input", { id, name: "quantity", type: "number", inputmode: "numeric", min: "1", step: "1", value: quantities.get(item.itemId) || "1",
            oninput: (e) => quantities.set(item.itemId, e.target.value) })),
        SC.el("button", { type: "button", class: "order-button primary big", "aria-label": SC.t("live.orderName", { name: item.name }), onclick: () => placeOrder(item.itemId) },
          SC.t("live.order"))));
    return card;
  }

  function renderItems(rebuild) {
    const box = $("items");
    const joined = !!S.token;
    const live = S.campaign.phase === "live";
    if (rebuild) {
      // A rebuilt card takes the keyboard focus over from the old one (quantity field or order button).
      const active = document.activeElement;
      for (const [itemId, card] of itemCards) {
        const fresh = buildItemCard(S.items.get(itemId) || { itemId, name: "" });
        const focusOn = card.contains(active) ? (active.matches("button.order-button") ? "button.order-button" : 'input[name="quantity"]') : null;
        card.replaceWith(fresh);
        if (focusOn) fresh.querySelector(focusOn).focus();
        itemCards.set(itemId, fresh);
      }
    }
    for (const item of S.campaign.items) {
      const current = S.items.get(item.itemId) || item;
      let card = itemCards.get(item.itemId);
      if (!card) { card = buildItemCard(current); itemCards.set(item.itemId, card); box.append(card); }
      const soldOut = current.remaining <= 0;
      card.classList.toggle("is-sold-out", soldOut);
      card.querySelector(".sold-out-badge").hidden = !soldOut;
      const price = card.querySelector(".price");
      const flash = activeFlash(current);
      const special = unitPrice(current);
      const label = priceLabel(current);
      SC.fill(price, special !== current.priceFen
        ? [SC.el("span", { class: "tag" }, label), " ", SC.el("strong", { class: "live-price" }, SC.money(special)), " ",
          SC.el("s", { class: "list-price muted" }, SC.money(current.priceFen))]
        : [SC.el("strong", { class: "live-price" }, SC.money(current.priceFen))],
        // Not (yet) hers: say what the member price is and how to get it.
        current.memberPriceFen != null && !isMemberPriced(current) && current.memberPriceFen < special
          ? [" ", SC.el("span", { class: "member-price-hint muted" }, SC.t("live.memberPriceHint", { price: SC.money(current.memberPriceFen) }))] : []);
      card.querySelector(".remaining").textContent = String(current.remaining);
      card.querySelector(".sold").textContent = SC.t("live.sold", { sold: current.sold });
      const bar = card.querySelector(".group-bar");
      bar.max = Math.max(1, current.minGroupSize);
      bar.value = Math.min(current.sold, bar.max);
      card.querySelector(".group-text").textContent =
        SC.t(current.sold >= current.minGroupSize ? "live.groupDone" : "live.group", { sold: current.sold, min: current.minGroupSize });
      const qty = card.querySelector('input[name="quantity"]');
      const max = Math.max(1, Math.min(current.perMemberLimit || Infinity, current.remaining));
      qty.max = String(max);
      const button = card.querySelector(".order-button");
      const busy = S.ordering.has(current.itemId);
      button.disabled = !live || soldOut || busy;
      qty.disabled = !live || soldOut;
      // Live but not joined: looks disabled, yet a tap leads to the join form.
      if (live && !soldOut && !joined) button.setAttribute("aria-disabled", "true"); else button.removeAttribute("aria-disabled");
      button.textContent = busy ? SC.t("live.ordering") : soldOut ? SC.t("live.soldOut") : SC.t("live.order");
      button.title = live ? (joined ? "" : SC.t("live.joinFirst")) : SC.t("live.orderNeedsLive");
    }
    document.dispatchEvent(new CustomEvent("sc:items")); // live-points.js redraws its preview on the cards
  }

  // The price an order of the item is charged now, for the points preview of live-points.js.
  window.SCOrderSheet = { priceOf: (itemId) => (S.items.get(itemId) ? unitPrice(S.items.get(itemId)) : null) };

  function showOrderResult(ok, text) {
    const el = $("order-result");
    el.dataset.result = ok ? "ok" : "error";
    el.setAttribute("role", ok ? "status" : "alert");
    el.className = ok ? "success" : "error";
    el.textContent = text;
    $("order-result-bar").hidden = false;
  }

  async function placeOrder(itemId) {
    if (!S.token) { focusJoin(); return; }
    const item = S.items.get(itemId);
    const card = itemCards.get(itemId);
    if (!item || !card || S.ordering.has(itemId)) return;
    const quantity = Number(quantities.get(itemId) ?? card.querySelector('input[name="quantity"]').value);
    if (!Number.isInteger(quantity) || quantity < 1) { showOrderResult(false, SC.t("live.quantityInvalid")); return; }
    const fulfilment = document.querySelector('input[name="fulfilment"]:checked').value;
    const address = $("delivery-address").value.trim();
    if (fulfilment === "delivery" && !address) { showOrderResult(false, SC.t("live.addressMissing")); $("delivery-address").focus(); return; }
    // The price on the screen travels with the order: if it no longer holds for every unit, nothing is charged (409 price-changed).
    const body = { items: [{ itemId, quantity, expectedUnitPriceFen: unitPrice(item) }], fulfilment };
    if (fulfilment === "delivery") body.address = address;
    const pointsToUse = window.SCPoints ? SCPoints.pointsFor(itemId, quantity * unitPrice(item)) : 0; // 积分抵扣 (live-points.js)
    if (pointsToUse > 0) body.pointsToUse = pointsToUse;
    const signature = JSON.stringify(body);
    // One key per intent: a retry of the same order after a network failure reuses it, so it can never count twice.
    if (!S.pendingOrder || S.pendingOrder.signature !== signature) S.pendingOrder = { signature, key: SC.newKey() };
    S.ordering.add(itemId);
    renderItems(false);
    try {
      const order = await memberApi("POST", `/api/campaigns/${encodeURIComponent(campaignId)}/orders`, { body, token: S.token, idempotencyKey: S.pendingOrder.key });
      S.pendingOrder = null;
      showOrderResult(true, [SC.t("live.orderOk", { id: shortId(order.orderId), total: SC.money(order.totalFen), status: SC.statusLabel(order.status) }),
        window.SCPoints ? SCPoints.confirmation(order) : ""].filter(Boolean).join(" "));
      if (!S.orders.some((o) => o.orderId === order.orderId)) S.orders.unshift(order);
      invalidate("orders");
      soon("campaign", () => loadCampaign().catch(() => {}), 50);
      soon("orders", loadOrders, 300);
    } catch (e) {
      if (e.status !== 0) S.pendingOrder = null;
      if (e.status === 401) { leave(); }
      showOrderResult(false, SC.t("live.orderFailed", { message: friendly(e, item).message }));
      if (e.code === "sold-out" || e.code === "not-live" || e.code === "price-changed") soon("campaign", () => loadCampaign().catch(() => {}), 50);
    } finally {
      if (pointsToUse > 0) pointsMoved();
      S.ordering.delete(itemId);
      invalidate("items");
    }
  }

  const shortId = (id) => String(id || "").slice(-6).toUpperCase();

  // ---- flash sale, pinned product, ticker -------------------------------------------------------------------------

  function renderFlash() {
    const list = $("flash-list");
    const now = Date.now();
    const active = [...S.flash.values()].filter((f) => new Date(f.endsAt).getTime() > now && (f.quantity - (f.sold || 0)) > 0);
    $("flash").hidden = active.length === 0;
    SC.fill(list, active.map((f) => {
      const item = S.items.get(f.itemId);
      return SC.el("div", { class: "flash-sale", dataset: { flashSaleId: f.flashSaleId, itemId: f.itemId } },
        SC.el("strong", {}, item ? item.name : ""), " ",
        SC.el("span", { class: "flash-price" }, SC.money(f.priceFen)), " ",
        SC.el("span", { class: "muted" }, SC.t("live.remaining") + " "), SC.el("span", { class: "flash-left stock" }, String(Math.max(0, f.quantity - (f.sold || 0)))),
        f.firstNGift ? SC.el("span", { class: "badge gift" }, SC.lang() === "zh" ? `前 ${f.firstNGift} 单送赠品` : `Gift for the first ${f.firstNGift}`) : null,
        SC.el("span", { class: "countdown", dataset: { endsAt: f.endsAt }, role: "timer" }, SC.countdown(f.endsAt)));
    }));
  }

  setInterval(() => {
    let expired = false;
    document.querySelectorAll("#flash .countdown").forEach((el) => {
      el.textContent = SC.countdown(el.dataset.endsAt);
      if (new Date(el.dataset.endsAt).getTime() <= Date.now()) expired = true;
    });
    if (expired) invalidate("flash", "items", "pinned");
  }, 1000);

  function renderPinned() {
    const box = $("pinned");
    const item = S.campaign.pinnedItemId && S.items.get(S.campaign.pinnedItemId);
    box.hidden = !item;
    if (!item) return;
    const body = $("pinned-body");
    let trace = S.trace.get(item.productId);
    if (trace === undefined) {
      S.trace.set(item.productId, null);
      SC.api("GET", `/api/products/${encodeURIComponent(item.productId)}/traceability`)
        .then((t) => { S.trace.set(item.productId, t); invalidate("pinned"); })
        // A failed read is tried again shortly, never left blank for good.
        .catch(() => { S.trace.delete(item.productId); soon("trace", () => invalidate("pinned"), 3000); });
      trace = null;
    }
    const safe = (url) => /^https?:\/\//i.test(url || "") || String(url || "").startsWith("/") ? url : null;
    const row = (key, value) => value ? SC.el("div", {}, SC.el("dt", {}, key), SC.el("dd", {}, value)) : null;
    const zh = SC.lang() === "zh";
    SC.fill(body,
      SC.el("h3", { class: "pinned-name" }, item.name, item.unit ? SC.el("span", { class: "unit muted" }, " / " + item.unit) : null),
      // The price the order is charged now (unitPrice, as the item cards and placeOrder use it), named like the cards name it.
      SC.el("p", { class: "price" }, unitPrice(item) !== item.priceFen ? [SC.el("span", { class: "tag" }, priceLabel(item)), " "] : null,
        SC.el("strong", { class: "live-price" }, SC.money(unitPrice(item))), " ",
        unitPrice(item) !== item.priceFen ? SC.el("s", { class: "list-price muted" }, SC.money(item.priceFen)) : null, " ",
        SC.el("span", { class: "muted" }, SC.t("live.remaining") + " " + item.remaining)),
      trace ? SC.el("dl", { class: "trace" },
        row(zh ? "产地" : "Origin", trace.origin), row(zh ? "批次" : "Batch", trace.batch), row(zh ? "溯源故事" : "Story", trace.story)) : null,
      trace && trace.reports && trace.reports.length ? SC.el("ul", { class: "reports" }, trace.reports.map((r) => safe(r.url)
        ? SC.el("li", {}, SC.el("a", { class: "report", href: safe(r.url), target: "_blank", rel: "noopener noreferrer" }, SC.t("live.inspection") + r.name))
        : null)) : null);
  }

  function renderTicker() {
    const items = S.ticker.slice(-20).reverse();
    SC.fill($("ticker"), items.map((e) => {
      const item = S.items.get(e.itemId);
      const name = item ? (SC.lang() === "zh" ? " " + item.name : item.name) : "";
      return SC.el("li", {}, SC.t("live.tickerLine", { name: e.maskedName, quantity: e.quantity, item: name }));
    }));
  }

  // ---- polls ------------------------------------------------------------------------------------------------------

  const pollCards = new Map();

  function renderPolls(rebuild) {
    const box = $("polls");
    if (rebuild) { pollCards.forEach((c) => c.remove()); pollCards.clear(); }
    const polls = [...S.polls.values()].sort((a, b) => String(b.createdAt).localeCompare(String(a.createdAt)));
    $("polls-empty").hidden = polls.length > 0;
    let index = 0;
    for (const poll of polls) {
      let card = pollCards.get(poll.pollId);
      if (!card) {
        card = SC.el("div", { class: "poll", dataset: { pollId: poll.pollId } },
          SC.el("h3", { class: "poll-question" }, poll.question),
          SC.el("p", { class: "poll-closed muted", hidden: true }, SC.t("live.pollClosed")),
          SC.el("div", { class: "poll-options" }, poll.options.map((text, i) =>
            SC.el("button", { type: "button", class: "vote", dataset: { option: String(i) }, onclick: () => vote(poll.pollId, i) },
              SC.el("span", { class: "vote-bar", "aria-hidden": "true" }),
              SC.el("span", { class: "vote-label" }, text),
              SC.el("span", { class: "vote-count" })))),
          SC.el("p", { class: "poll-status", role: "status" }));
        pollCards.set(poll.pollId, card);
      }
      place(box, card, index++); // newest first
      const counts = poll.counts || [];
      const total = counts.reduce((a, b) => a + b, 0);
      const mine = getFlag("vote", poll.pollId);
      card.classList.toggle("closed", !poll.isOpen);
      card.querySelector(".poll-closed").hidden = poll.isOpen;
      card.querySelectorAll("button.vote").forEach((b) => {
        const i = Number(b.dataset.option);
        const count = counts[i] || 0;
        const percent = total ? Math.round((count * 100) / total) : 0;
        b.querySelector(".vote-count").textContent = SC.t("live.votes", { count, percent });
        b.querySelector(".vote-bar").style.width = percent + "%";
        b.disabled = !poll.isOpen || mine !== null;
        b.setAttribute("aria-pressed", String(mine === String(i)));
      });
      const status = card.querySelector(".poll-status");
      if (mine !== null && !status.textContent) status.textContent = SC.t("live.voted");
    }
  }

  async function vote(pollId, option) {
    if (!S.token) { focusJoin(); return; }
    const card = pollCards.get(pollId);
    const status = card.querySelector(".poll-status");
    try {
      await memberApi("POST", `/api/campaigns/${encodeURIComponent(campaignId)}/polls/${encodeURIComponent(pollId)}/votes`, { body: { option }, token: S.token });
      setFlag("vote", pollId, option);
      status.className = "poll-status success";
      status.textContent = SC.t("live.voted");
      const poll = S.polls.get(pollId);
      // Count it at once; the pollUpdated event brings the true totals.
      if (poll && poll.counts) { poll.counts = poll.counts.slice(); poll.counts[option] = (poll.counts[option] || 0) + 1; }
    } catch (e) {
      if (e.code === "already-voted") {
        setFlag("vote", pollId, "?");
        status.className = "poll-status notice";
        status.textContent = SC.t("live.alreadyVoted");
      } else {
        status.className = "poll-status error";
        status.textContent = friendly(e).message;
      }
    }
    invalidate("polls");
  }

  // ---- comments ---------------------------------------------------------------------------------------------------

  function addComment(c) {
    touched("comment:" + c.commentId);
    if (S.comments.some((x) => x.commentId === c.commentId)) return;
    S.comments.push(c);
    if (S.comments.length > 50) S.comments.splice(0, S.comments.length - 50);
    invalidate("comments");
  }

  function renderComments() {
    const list = $("comment-list");
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    SC.fill(list, S.comments.map((c) => SC.el("li", { dataset: { commentId: c.commentId } },
      SC.el("span", { class: "who" }, c.maskedName), " ", SC.el("span", { class: "text" }, c.text),
      c.answer ? SC.el("div", { class: "answer" }, SC.t("live.answer", { text: c.answer })) : null)));
    if (nearBottom) list.scrollTop = list.scrollHeight;
    $("comments-card").hidden = S.comments.length === 0 && !["preheat", "live"].includes(S.campaign.phase);
  }

  async function sendComment(ev) {
    ev.preventDefault();
    if (!S.token) { focusJoin(); return; }
    const input = $("comment-text");
    const error = $("comment-error");
    const text = input.value.trim();
    if (!text) { SC.showError(error, new Error(SC.t("live.commentEmpty"))); return; }
    const button = $("comment-send");
    button.disabled = true;
    try {
      const c = await memberApi("POST", `/api/campaigns/${encodeURIComponent(campaignId)}/comments`, { body: { text }, token: S.token });
      SC.showError(error, null);
      input.value = "";
      addComment(c);
    } catch (e) {
      SC.showError(error, friendly(e));
    } finally { button.disabled = false; }
  }

  // ---- my orders and follow-up ------------------------------------------------------------------------------------

  const orderCards = new Map();

  function followUpEligible(o) {
    return o.status === "pickedUp" || o.status === "delivered" ||
      (o.status === "confirmed" && ["followUp", "completed"].includes(S.campaign.phase));
  }

  function renderOrders(rebuild) {
    const box = $("my-orders");
    if (rebuild) { orderCards.forEach((c) => c.remove()); orderCards.clear(); }
    const seen = new Set();
    $("my-orders-empty").hidden = S.orders.length > 0;
    let index = 0;
    for (const o of S.orders) {
      seen.add(o.orderId);
      let card = orderCards.get(o.orderId);
      if (!card) {
        card = SC.el("article", { class: "order", dataset: { orderId: o.orderId } }, SC.el("div", { class: "order-main" }), SC.el("div", { class: "order-follow-up" }));
        orderCards.set(o.orderId, card);
      }
      place(box, card, index++);
      const signature = JSON.stringify([o.status, o.pickupCode, o.totalFen, S.campaign.phase, o.items.map((l) => l.status)]);
      if (card.dataset.signature !== signature) {
        card.dataset.signature = signature;
        renderOrderMain(card.querySelector(".order-main"), o);
      }
      const follow = card.querySelector(".order-follow-up");
      if (followUpEligible(o) && !follow.dataset.built) {
        follow.dataset.built = "1";
        SC.fill(follow, surveyForm(o), reviewForm(o));
      }
    }
    for (const [id, card] of orderCards) if (!seen.has(id)) { card.remove(); orderCards.delete(id); }
    renderPickupCard();
    const points = $("points");
    points.hidden = S.points === null || !S.orders.some(followUpEligible);
    if (!points.hidden && !points.dataset.earned) points.textContent = SC.t("live.points", { balance: S.points });
  }

  // One 提货码 per member per campaign: one card above her orders, the code in large digits and as a QR code the counter
  // scans. The QR comes from the server (her own code only, never cached on the way); the digits work without it.
  const pickupQr = { code: null, url: null };
  function renderPickupCard() {
    const box = $("pickup-card");
    const waiting = S.orders.find((o) => o.fulfilment === "pickup" && o.status === "confirmed" && o.pickupCode);
    const code = waiting ? waiting.pickupCode : null;
    box.hidden = !code;
    const signature = code ? JSON.stringify([code, SC.lang(), S.campaign.pickupUntil]) : "";
    if (box.dataset.signature === signature) return;
    box.dataset.signature = signature;
    if (pickupQr.code !== code && pickupQr.url) { URL.revokeObjectURL(pickupQr.url); pickupQr.url = null; }
    pickupQr.code = code;
    if (!code) { SC.fill(box); return; }
    const img = SC.el("img", { class: "pickup-qr", alt: SC.t("live.pickupQrAlt"), width: 220, height: 220, hidden: !pickupQr.url, src: pickupQr.url || undefined });
    SC.fill(box,
      SC.el("div", { class: "muted" }, SC.t("live.pickupCodeLabel")),
      SC.el("div", { class: "pickup-code", "aria-label": SC.t("live.pickupCodeLabel") }, code),
      img,
      SC.el("p", {}, SC.t("live.showCode")),
      SC.el("p", { class: "muted" }, SC.t("live.pickupDeadline", { time: SC.formatTime(S.campaign.pickupUntil) })));
    if (pickupQr.url) return;
    memberApi("GET", `/api/campaigns/${encodeURIComponent(campaignId)}/pickup-qr`, { blob: true }).then((blob) => {
      if (pickupQr.code !== code || !(blob instanceof Blob)) return;
      pickupQr.url = URL.createObjectURL(blob);
      img.src = pickupQr.url;
      img.hidden = false;
    }).catch(() => { /* the digits above are enough */ });
  }

  function renderOrderMain(main, o) {
    const status = SC.el("span", { class: "order-status badge " + o.status, dataset: { status: o.status } }, SC.statusLabel(o.status));
    const lines = SC.el("ul", { class: "order-lines" }, o.items.map((l) => SC.el("li", { class: l.status === "cancelled" ? "line-cancelled" : null },
      `${l.name} × ${l.quantity} · ${SC.money(l.totalFen)}`, l.gift ? SC.t("live.gift") : "",
      l.status === "cancelled" && l.cancelReason === "group-minimum-not-met" ? SC.t("live.lineCancelled") : "")));
    const parts = [
      SC.el("div", { class: "order-head" }, SC.el("strong", {}, SC.t("live.orderNo", { id: shortId(o.orderId) })), " ", status),
      lines,
      SC.el("p", { class: "order-total" }, SC.t("live.total", { total: SC.money(o.totalFen) }), " · ",
        SC.t(o.fulfilment === "delivery" ? "live.delivery" : "live.pickup")),
    ];
    if (o.fulfilment === "delivery" && o.address) parts.push(SC.el("p", { class: "muted" }, SC.t("live.deliveryTo", { address: o.address })));
    if (o.status === "confirmed" && o.pickupCode) parts.push(SC.el("p", { class: "pickup-note" }, SC.t("live.pickupSeeCard")));
    if (o.status === "placed" && S.campaign.phase === "live") {
      parts.push(SC.el("div", { class: "actions" }, SC.el("button", { type: "button", class: "cancel-order danger", onclick: (ev) => cancelOrder(o.orderId, ev.currentTarget) }, SC.t("live.cancel"))));
    }
    parts.push(SC.el("div", { class: "error order-error", role: "alert", hidden: true }));
    SC.fill(main, parts);
  }

  async function cancelOrder(orderId, button) {
    button.disabled = true;
    const error = button.closest(".order-main").querySelector(".order-error");
    try {
      await memberApi("POST", `/api/orders/${encodeURIComponent(orderId)}/cancel`, { token: S.token });
      SC.toast(SC.t("live.cancelled"));
      const o = S.orders.find((x) => x.orderId === orderId);
      if (o) o.status = "cancelled";
      invalidate("orders");
      soon("orders", loadOrders, 200);
      soon("campaign", () => loadCampaign().catch(() => {}), 50);
    } catch (e) {
      button.disabled = false;
      SC.showError(error, friendly(e));
    }
  }

  function select(id, name, values, labelKey) {
    return [SC.el("label", { for: id }, SC.t(labelKey)),
      SC.el("select", { id, name, required: true }, SC.el("option", { value: "" }, SC.t("live.choose")), values.map((v) => SC.el("option", { value: String(v) }, String(v))))];
  }

  function surveyForm(o) {
    const id = (k) => `${k}-${o.orderId}`;
    const done = getFlag("survey", o.orderId);
    if (done) return SC.el("div", { class: "survey-done success", role: "status" }, SC.t(done === "already" ? "live.surveyAlready" : "live.surveyThanks"));
    const form = SC.el("form", { class: "survey-form", novalidate: true },
      SC.el("h3", {}, SC.t("live.survey")),
      select(id("satisfaction"), "satisfaction", [5, 4, 3, 2, 1], "live.satisfaction"),
      select(id("nps"), "nps", [10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0], "live.nps"),
      SC.el("label", { for: id("survey-comment") }, SC.t("live.surveyComment")),
      SC.el("textarea", { id: id("survey-comment"), name: "comment", maxlength: "500" }),
      SC.el("div", { class: "error", role: "alert", hidden: true }),
      SC.el("div", { class: "actions" }, SC.el("button", { type: "submit", class: "primary big survey-submit" }, SC.t("live.surveySubmit"))));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const error = form.querySelector(".error");
      const satisfaction = form.elements.satisfaction.value;
      const nps = form.elements.nps.value;
      if (!satisfaction || !nps) { SC.showError(error, new Error(SC.t("live.surveyMissing")), form); return; }
      const body = { satisfaction: Number(satisfaction), nps: Number(nps) };
      const comment = form.elements.comment.value.trim();
      if (comment) body.comment = comment;
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        await memberApi("POST", `/api/orders/${encodeURIComponent(o.orderId)}/survey`, { body, token: S.token });
        setFlag("survey", o.orderId, "done");
      } catch (e) {
        if (e.code !== "already-submitted") { button.disabled = false; SC.showError(error, friendly(e), form); return; }
        setFlag("survey", o.orderId, "already");
      }
      form.replaceWith(surveyForm(o));
      showPointsEarned();
    });
    return form;
  }

  function reviewForm(o) {
    const id = (k) => `${k}-${o.orderId}`;
    const done = getFlag("review", o.orderId);
    if (done) return SC.el("div", { class: "review-done success", role: "status" }, done === "already" ? SC.t("live.reviewAlready") : done);
    const form = SC.el("form", { class: "review-form", novalidate: true },
      SC.el("h3", {}, SC.t("live.review")),
      select(id("rating"), "rating", [5, 4, 3, 2, 1], "live.rating"),
      SC.el("label", { for: id("review-text") }, SC.t("live.reviewText")),
      SC.el("textarea", { id: id("review-text"), name: "text", maxlength: "500", required: true }),
      SC.el("label", { for: id("photos") }, SC.t("live.photos")),
      SC.el("input", { id: id("photos"), name: "photos", type: "file", accept: "image/*", multiple: true }),
      SC.el("p", { class: "upload-progress muted", role: "status" }),
      SC.el("div", { class: "error", role: "alert", hidden: true }),
      SC.el("div", { class: "actions" }, SC.el("button", { type: "submit", class: "primary big review-submit" }, SC.t("live.reviewSubmit"))));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const error = form.querySelector(".error");
      const progress = form.querySelector(".upload-progress");
      const rating = form.elements.rating.value;
      const text = form.elements.text.value.trim();
      const files = [...form.elements.photos.files];
      if (!rating || !text) { SC.showError(error, new Error(SC.t("live.reviewMissing")), form); return; }
      if (files.length > 9) { SC.showError(error, new Error(SC.t("live.tooManyPhotos")), form); return; }
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      SC.showError(error, null, form);
      let review;
      try {
        review = await memberApi("POST", `/api/orders/${encodeURIComponent(o.orderId)}/reviews`,
          { body: { rating: Number(rating), text, photoCount: files.length }, token: S.token });
      } catch (e) {
        if (e.code === "already-submitted") { setFlag("review", o.orderId, "already"); form.replaceWith(reviewForm(o)); return; }
        button.disabled = false;
        SC.showError(error, friendly(e), form);
        return;
      }
      let uploaded = 0;
      try {
        const urls = review.photoUploadUrls || [];
        for (let i = 0; i < Math.min(files.length, urls.length); i++) {
          progress.textContent = SC.t("live.uploading", { done: i, total: files.length });
          await SC.api("PUT", urls[i], { raw: files[i], headers: { "x-ms-blob-type": "BlockBlob", "Content-Type": files[i].type || "application/octet-stream" } });
          uploaded++;
        }
        if (uploaded > 0) await memberApi("POST", `/api/orders/${encodeURIComponent(o.orderId)}/reviews/photos/confirm`, { token: S.token });
      } catch (e) {
        SC.toast(SC.t("live.uploadFailed", { message: e.message }));
      }
      setFlag("review", o.orderId, uploaded ? SC.t("live.reviewPhotos", { count: uploaded }) : SC.t("live.reviewThanks"));
      form.replaceWith(reviewForm(o));
      showPointsEarned();
    });
    return form;
  }

  async function showPointsEarned() {
    const before = S.points;
    const balance = await loadPoints();
    if (balance === null || balance === undefined) return;
    const el = $("points");
    el.hidden = false;
    el.dataset.earned = "1";
    el.textContent = before !== null && balance > before
      ? SC.t("live.pointsEarned", { earned: balance - before, balance }) : SC.t("live.points", { balance });
    pointsMoved();
  }

  /** The balance may have moved (a review, a survey, an order paid partly with points): the 我的 panel (live-growth.js)
   * and the points toggle (live-points.js) load it again, without a reload. */
  function pointsMoved() { document.dispatchEvent(new CustomEvent("sc:points")); }

  // ---- start ------------------------------------------------------------------------------------------------------

  function wire() {
    SC.translate();
    SC.bindLanguageToggle($("lang-toggle"));
    SC.onLanguageChange(() => { $("points").dataset.earned = ""; invalidate(...ALL); });
    $("join-form").addEventListener("submit", join);
    $("join-send-code").addEventListener("click", sendCode);
    $("join-code-login").addEventListener("click", () => { codeLoginMode(true); $("join-phone").focus(); });
    $("token-form").addEventListener("submit", tokenLogin);
    $("join-has-token").addEventListener("click", () => { S.showToken = true; renderMember(); $("join-token").focus(); });
    $("me-leave").addEventListener("click", leave);
    $("reserve").addEventListener("click", reserve);
    document.addEventListener("sc:order", (ev) => placeOrder(ev.detail.itemId)); // an add-on's order button (live-waitlist.js: a waitlist claim)
    $("comment-form").addEventListener("submit", sendComment);
    document.addEventListener("visibilitychange", () => { if (!document.hidden && S.token) soon("orders", loadOrders, 100); });
    $("order-result-close").addEventListener("click", () => { $("order-result-bar").hidden = true; });
    document.querySelectorAll('input[name="fulfilment"]').forEach((r) => r.addEventListener("change", () => {
      $("address-row").hidden = document.querySelector('input[name="fulfilment"]:checked').value !== "delivery";
    }));
  }

  async function start() {
    wire();
    if (!campaignId) { SC.showError($("load-error"), new Error(SC.t("live.notFound"))); return; }
    try {
      await loadCampaign();
    } catch (e) {
      SC.showError($("load-error"), e.status === 404 ? new Error(SC.t("live.notFound")) : e);
      $("conn-status").hidden = true;
      return;
    }
    S.token = readToken();
    // A login link from the leader (…/live/{id}#login=CODE, for a neighbour on a new phone): the code is in the fragment,
    // which never reaches a server or a log; it is taken out of the address at once and the page signs in with it.
    const link = /^#login=([A-Za-z0-9_.-]+)$/.exec(location.hash);
    if (link) {
      history.replaceState(null, "", location.pathname + location.search);
      try {
        const me = await SC.api("GET", "/api/me", { token: link[1] });
        if (me.role === "member" && me.chainId === S.campaign.chainId) { saveToken(link[1], true); SC.toast(SC.t("live.linkSignedIn", { name: me.name })); }
        else SC.toast(SC.t("live.tokenOtherChain"));
      } catch (e) { S.showToken = true; SC.toast(SC.t("live.tokenInvalid")); }
    }
    if (S.token) {
      try {
        const me = await SC.api("GET", "/api/me", { token: S.token });
        if (me.role !== "member" || me.chainId !== S.campaign.chainId) forgetToken();
        else { S.me = { memberId: me.memberId, name: me.name, storeId: me.storeId }; await refreshTokenIfOld(); }
      } catch (e) {
        if (e.status === 401 || e.status === 403) forgetToken();
      }
    }
    invalidate(...ALL);
    flush();
    reconnect();
    resync();
    loadMemberPrice();
    announceMember();
  }

  start();
})();
