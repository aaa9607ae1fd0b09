using System.Text.Json;

namespace ServerlessCommerce.Campaigns;

/// <summary>
/// The words of a notification. Notification events carry the kind and the facts (never a pickup code: staff read the
/// notification outbox); what a member reads is composed outside the core, when it is shown or sent.
/// </summary>
public interface INotificationTexts
{
    /// <summary>The text of a <c>notification.*</c> event's data.</summary>
    string Text(JsonElement data);
}
