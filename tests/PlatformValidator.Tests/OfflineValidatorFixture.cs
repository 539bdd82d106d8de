namespace IoTCerts.Samples.PlatformValidator.Tests;

/// <summary>One demo PKI and one running validator (offline CRLs) shared by the tests of a class: a few seconds in all.</summary>
public sealed class OfflineValidatorFixture : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private ValidatorHost? _host;

    internal ValidatorHost Host => _host ?? throw new InvalidOperationException("not started");

    internal DemoDevice Device(string name) => Host.Pki.Devices[name];

    public async Task InitializeAsync() => _host = await ValidatorHost.StartAsync(DemoPki.Create(_directory.Path));

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        _directory.Dispose();
    }
}
