namespace ServerlessCommerce.Tests.Infrastructure;

/// <summary>
/// Tests that each need a fresh chain (store, leader, member) on the shared app: <see cref="App"/> and
/// <see cref="Chain"/> are ready before every test; chains never see each other, so the tests can share the app.
/// </summary>
public abstract class ChainTest : IAsyncLifetime
{
    protected TestApp App { get; private set; } = null!;

    protected TestApp.ChainFixture Chain { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = await TestApp.SharedAsync();
        Chain = await App.NewChainWithPeopleAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
