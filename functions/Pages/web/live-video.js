// The live room's video (直播画面) and the campaign intro (活动介绍): plays the campaign's HLS stream — natively where
// the browser can (Safari, iOS), else with hls.js — with a mute toggle and a "not started yet" state, or links to a
// WeChat Channels (视频号) live. live.js tells it what the campaign is now (event "sc:campaign").
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);

  SC.addStrings({
    zh: {
      "video.title": "直播画面", "video.intro": "活动介绍", "video.unmute": "🔇 打开声音", "video.mute": "🔊 静音",
      "video.channels": "在视频号观看直播", "video.notStarted": "直播尚未开始，开播后这里会自动播放。", "video.ended": "直播已结束，感谢观看。",
      "video.waiting": "正在连接直播画面…", "video.noSignal": "暂时没有直播画面，团长可能还在准备，请稍候。",
    },
    en: {
      "video.title": "Live video", "video.intro": "About this campaign", "video.unmute": "🔇 Sound on", "video.mute": "🔊 Mute",
      "video.channels": "Watch on WeChat Channels", "video.notStarted": "The live has not started yet; it plays here once it does.", "video.ended": "The live has ended. Thanks for watching.",
      "video.waiting": "Connecting to the live video…", "video.noSignal": "No video right now; the leader may still be getting ready.",
    },
  });

  let current = null; // { url, phase }
  let hls = null;
  let retry = null;

  function setState(key) {
    const state = $("video-state");
    state.textContent = key ? SC.t(key) : "";
    state.hidden = !key;
    $("video").dataset.state = key ? key.split(".")[1] : "playing";
  }

  function stop() {
    clearTimeout(retry);
    if (hls) { hls.destroy(); hls = null; }
    const video = $("live-video");
    video.pause();
    video.removeAttribute("src");
    video.load();
  }

  function play(url) {
    const video = $("live-video");
    setState("video.waiting");
    if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = url; // native HLS (Safari, iOS)
    } else if (window.Hls && window.Hls.isSupported()) {
      hls = new window.Hls({ liveDurationInfinity: true, manifestLoadingMaxRetry: 2 });
      hls.on(window.Hls.Events.ERROR, (_, data) => {
        if (!data.fatal) return;
        // No stream yet (the leader has not pushed) or it dropped: say so and try again shortly.
        setState("video.noSignal");
        stop();
        retry = setTimeout(() => { if (current && current.phase === "live") play(current.url); }, 5000);
      });
      hls.loadSource(url);
      hls.attachMedia(video);
    } else {
      video.src = url;
    }
    video.play().catch(() => { /* autoplay needs muted; the mute button starts it otherwise */ });
  }

  $("live-video").addEventListener("playing", () => setState(null));
  $("video-mute").addEventListener("click", () => {
    const video = $("live-video");
    video.muted = !video.muted;
    if (!video.muted) video.play().catch(() => {});
    const button = $("video-mute");
    button.setAttribute("aria-pressed", String(video.muted));
    button.textContent = SC.t(video.muted ? "video.unmute" : "video.mute");
    button.dataset.i18n = video.muted ? "video.unmute" : "video.mute";
  });

  document.addEventListener("sc:campaign", (event) => {
    const c = event.detail.campaign;
    const stream = c.stream || null;
    const intro = $("intro");
    intro.hidden = !c.intro;
    $("intro-text").textContent = c.intro || "";

    const channels = $("video-channels");
    channels.hidden = !(stream && stream.channelsUrl);
    if (stream && stream.channelsUrl) channels.href = stream.channelsUrl;
    const url = stream && stream.playbackUrl;
    $("video").hidden = !stream;
    $("live-video").hidden = !url;
    $("video-mute").hidden = !url;
    if (!url) { if (current) stop(); current = null; setState(null); return; }

    if (c.phase !== "live") {
      if (current) stop();
      current = { url, phase: c.phase };
      setState(["draft", "preheat"].includes(c.phase) ? "video.notStarted" : "video.ended");
      return;
    }
    if (current && current.url === url && current.phase === "live") return; // already playing this stream
    if (current) stop();
    current = { url, phase: "live" };
    play(url);
  });
})();
