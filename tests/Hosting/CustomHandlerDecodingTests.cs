using System.Text.Json;
using ServerlessCommerce.Functions.Hosting;

namespace ServerlessCommerce.Tests.Hosting;

public sealed class CustomHandlerDecodingTests
{
    [Theory]
    [InlineData("\"abc\"", "abc")]
    [InlineData("\"\\\"abc\\\"\"", "abc")]
    [InlineData("\"\\\"\\\\\\\"abc\\\\\\\"\\\"\"", "abc")]
    [InlineData("\"1\"", "1")]
    [InlineData("\"\\\"1\\\"\"", "1")]
    [InlineData("1", "1")]
    [InlineData("{\"a\":1}", "{\"a\":1}")]
    [InlineData("\"{\\\"a\\\":1}\"", "{\"a\":1}")]
    public void HostValuesAreUnquotedTolerantly(string json, string expected)
    {
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(expected, CustomHandler.Unquote(doc.RootElement));
    }

    [Fact]
    public void NullIsNull()
    {
        using var doc = JsonDocument.Parse("null");
        Assert.Null(CustomHandler.Unquote(doc.RootElement));
    }
}
