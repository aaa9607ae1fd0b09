using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Events;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Tests.Campaigns;

/// <summary>A round's events share outbox rows: they read back whole and in order, and no row outgrows a table property.</summary>
public sealed class EventPackingTests
{
    private const string CampaignId = "c_packtest0001";

    private static PackedEvent Event(long seq, string text) =>
        CampaignTables.Pack(seq, DomainEvent.Create("notification.preview", "cpacktest", $"members/m{seq}", new { memberId = $"m{seq}", kind = "preview", text }, DateTimeOffset.UnixEpoch.AddSeconds(seq)));

    [Fact]
    public void EventsOfARoundReadBackWholeAndInOrderFromOnePackedRow()
    {
        var events = Enumerable.Range(1, 40).Select(i => Event(i, "您预约的团购开始预热了")).ToList();
        var row = Assert.Single(CampaignTables.PackEvents(CampaignId, "s00", events));

        Assert.Equal(CampaignTables.EventRow("s00", 40), row.RowKey);
        var read = CampaignTables.ToEvents(row).ToList();
        Assert.Equal(events.Select(e => e.Event.Id), read.Select(e => e.Id));
        Assert.Equal("您预约的团购开始预热了", read[7].Data.GetProperty("text").GetString());
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(8), read[7].Time);
    }

    [Fact]
    public void LargeEventsSpillIntoMoreRowsEachUnderThePropertyLimitWithContiguousSequences()
    {
        var events = Enumerable.Range(1, 90).Select(i => Event(i, new string('货', 900))).ToList();
        var rows = CampaignTables.PackEvents(CampaignId, "s00", events).ToList();

        Assert.True(rows.Count > 1);
        Assert.All(rows, r => Assert.True(r.GetString("Events")!.Length <= CampaignTables.MaxPackedEventChars, $"{r.RowKey} holds {r.GetString("Events")!.Length} characters"));
        Assert.Equal(events.Select(e => e.Event.Id), rows.SelectMany(CampaignTables.ToEvents).Select(e => e.Id));
        Assert.Equal(rows.Select(r => r.RowKey).Order(StringComparer.Ordinal), rows.Select(r => r.RowKey));
    }

    [Fact]
    public void ASingleEventRowStillReads()
    {
        var e = DomainEvent.Create("campaign.created", "cpacktest", "campaigns/x", new { ok = true }, DateTimeOffset.UnixEpoch);
        var row = new TableEntity(CampaignId, CampaignTables.EventRow(CampaignTables.CampaignStream, 1))
        {
            ["Kind"] = "event", ["EventId"] = e.Id, ["Type"] = e.Type, ["Subject"] = e.Subject, ["Time"] = e.Time, ["Data"] = e.Data.GetRawText(),
        };

        var read = Assert.Single(CampaignTables.ToEvents(row));
        Assert.Equal(e.Id, read.Id);
        Assert.True(read.Data.GetProperty("ok").GetBoolean());
    }
}
