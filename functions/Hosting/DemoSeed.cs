using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace ServerlessCommerce.Functions.Hosting;

/// <summary>What the demo seed made: enough to open the console and a live room at once.</summary>
public sealed record DemoSeedResult(string ChainId, string AdminKey, string StoreId, string LeaderKey, string CampaignId, IReadOnlyList<string> MemberTokens, DateTimeOffset LiveStartAt);

/// <summary>
/// Seeds a demo chain through the public API (so it exercises exactly what people use): a store, a leader, two members,
/// a product with an inspection report, and a campaign going live in two minutes. Every create carries a fixed
/// Idempotency-Key, so a re-run finds the same chain (and hands out fresh keys, since keys are never stored); the
/// campaign key includes the date, so each day's first run opens a new one.
/// </summary>
public static class DemoSeed
{
    public static async Task<DemoSeedResult> RunAsync(HttpClient http, string platformKey, TimeProvider clock, CancellationToken ct = default)
    {
        var chain = await PostAsync(http, "/api/chains", new { name = "邻里鲜 · 演示连锁", timeZone = "Asia/Shanghai" }, platformKey, "demo-chain", ct);
        var chainId = chain.GetProperty("chainId").GetString()!;
        var admin = chain.GetProperty("adminKey").GetString()!;
        var store = await PostAsync(http, $"/api/chains/{chainId}/stores", new { name = "幸福里店", address = "幸福路 1 号" }, admin, "demo-store", ct);
        var storeId = store.GetProperty("storeId").GetString()!;
        var leader = await PostAsync(http, $"/api/chains/{chainId}/leaders", new { name = "王团长", storeId }, admin, "demo-leader", ct);
        var members = new List<string>();
        foreach (var (name, phone) in new[] { ("李阿姨", "13800000001"), ("张大爷", "13800000002") })
        {
            var member = await JoinAsync(http, chainId, name, phone, storeId, ct);
            members.Add(member.GetProperty("memberToken").GetString()!);
        }

        var product = await PostAsync(http, $"/api/chains/{chainId}/products",
            new { name = "阳山水蜜桃", category = "水果", unit = "盒", origin = "江苏无锡阳山", batch = "YS-2026-07", story = "果园当天采摘，冷链直达门店。" }, admin, "demo-product", ct);
        var productId = product.GetProperty("productId").GetString()!;
        var traceability = await http.GetFromJsonAsync<JsonElement>($"/api/products/{productId}/traceability", ct);
        if (traceability.GetProperty("reports").GetArrayLength() == 0)
        {
            using var report = new HttpRequestMessage(HttpMethod.Post, $"/api/products/{productId}/reports") { Content = new ByteArrayContent(DemoReportPdf()) };
            report.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin);
            report.Headers.Add("x-file-name", Uri.EscapeDataString("农残检测报告.pdf"));
            (await http.SendAsync(report, ct)).EnsureSuccessStatusCode();
        }

        var now = clock.GetUtcNow();
        var campaignKey = "demo-campaign-" + now.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        using var existing = await http.GetAsync($"/api/campaigns/{ServerlessCommerce.Common.Ids.For(chainId, 'k', campaignKey)}", ct);
        var campaign = existing.IsSuccessStatusCode
            ? JsonDocument.Parse(await existing.Content.ReadAsStringAsync(ct)).RootElement.Clone() // today's demo campaign already exists
            : await PostAsync(http, $"/api/chains/{chainId}/campaigns", new
        {
            title = "周三厨房 · 水蜜桃专场",
            storeId,
            leaderId = leader.GetProperty("leaderId").GetString(),
            items = new[] { new { productId, priceFen = 3990, livePriceFen = 2990, stock = 200, minGroupSize = 10, perMemberLimit = 6 } },
            preheatAt = now,
            liveStartAt = now.AddMinutes(2),
            liveEndAt = now.AddMinutes(62),
            pickupUntil = now.AddDays(2),
        }, leader.GetProperty("leaderKey").GetString(), campaignKey, ct);
        var campaignId = campaign.GetProperty("campaignId").GetString()!;
        using (var reserve = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{campaignId}/reservations"))
        {
            reserve.Headers.Authorization = new AuthenticationHeaderValue("Bearer", members[0]);
            await http.SendAsync(reserve, ct); // 201, or 200 when already reserved; past close it is refused, which is fine
        }

        return new DemoSeedResult(chainId, admin, storeId, leader.GetProperty("leaderKey").GetString()!, campaignId, members, campaign.GetProperty("liveStartAt").GetDateTimeOffset());
    }

    /// <summary>
    /// Joins as people do. With MemberVerification on (a local.settings.json older than the setting), the code goes to
    /// the local fake sender first and is read back from <c>GET /api/dev/messages</c>, as the live-room page's link does.
    /// </summary>
    private static async Task<JsonElement> JoinAsync(HttpClient http, string chainId, string name, string phone, string storeId, CancellationToken ct)
    {
        var key = "demo-member-" + phone;
        using (var request = new HttpRequestMessage(HttpMethod.Post, $"/api/chains/{chainId}/members") { Content = JsonContent.Create(new { name, phone, storeId }, options: JsonSerializerOptions.Web) })
        {
            request.Headers.Add("Idempotency-Key", key);
            using var response = await http.SendAsync(request, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (response.IsSuccessStatusCode)
            {
                return JsonDocument.Parse(text).RootElement.Clone();
            }

            if ((int)response.StatusCode != 400 || !text.Contains("\"code\":[", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Demo seed: joining answered {(int)response.StatusCode}: {text}");
            }
        }

        // 202, or 429 when a code went out under a minute ago (a re-run): the latest code is the one to use.
        using (await http.PostAsJsonAsync($"/api/chains/{chainId}/members/verification", new { phone }, JsonSerializerOptions.Web, ct))
        {
        }

        var messages = await http.GetFromJsonAsync<JsonElement>($"/api/dev/messages?chainId={chainId}&phone={phone}", ct);
        var code = messages.EnumerateArray().Select(m => m.GetProperty("code").GetString()).LastOrDefault()
                   ?? throw new InvalidOperationException("Demo seed: MemberVerification is on and no local message holds a code (is MessageSender local?).");
        return await PostAsync(http, $"/api/chains/{chainId}/members", new { name, phone, storeId, code }, null, key, ct);
    }

    private static async Task<JsonElement> PostAsync(HttpClient http, string path, object body, string? secret, string key, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: JsonSerializerOptions.Web) };
        request.Headers.Add("Idempotency-Key", key);
        if (secret is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        }

        using var response = await http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        return response.IsSuccessStatusCode
            ? JsonDocument.Parse(text).RootElement.Clone()
            : throw new InvalidOperationException($"Demo seed: POST {path} answered {(int)response.StatusCode}: {text}");
    }

    /// <summary>A one-page PDF saying what it is (a real, if tiny, document).</summary>
    private static byte[] DemoReportPdf() => Encoding.ASCII.GetBytes(
        "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
        "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 144]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>endobj\n" +
        "4 0 obj<</Length 58>>stream\nBT /F1 14 Tf 20 70 Td (Demo inspection report: passed) Tj ET\nendstream endobj\n" +
        "5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");
}
