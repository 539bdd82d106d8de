using System.Collections.Concurrent;
using System.Security.Authentication;
using IoTCerts.Mqtt;
using IoTCerts.Mqtt.Tests.Fixtures;
using Xunit.Abstractions;

namespace IoTCerts.Mqtt.Tests.Integration;

public sealed class CumulocityPeerTests(ITestOutputHelper output) : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    private MqttDeviceClientOptions Options(FakeCumulocityPeer peer, MqttClientCredential credential, string? targetHost = TestPki.CumulocityHost)
    {
        var options = BrokerFixture.Options(_pki, credential, peer.Port);
        options.TargetHost = targetHost;
        options.ClientIdProfile = MqttClientIdProfile.Cumulocity;
        return options;
    }

    [Fact]
    public async Task Token_is_fetched_with_sni_and_cn_client_id_and_refreshed_at_half_life_across_a_forced_reconnect()
    {
        await using var peer = new FakeCumulocityPeer(_pki, tokenLifetimeSeconds: 6) { DropAfterFirstToken = true };
        await using var client = new MqttDeviceClient(Options(peer, _pki.Device("c8y-device-1")));
        var connected = new ConcurrentQueue<MqttConnectedEventArgs>();
        client.ConnectedAsync += e =>
        {
            connected.Enqueue(e);
            return Task.CompletedTask;
        };
        Assert.True((await client.ConnectAsync()).IsAccepted);
        await using var provider = new CumulocityTokenProvider(client, new CumulocityTokenOptions { AttemptTimeout = TimeSpan.FromSeconds(5) });
        var received = new ConcurrentQueue<CumulocityToken>();
        provider.TokenReceivedAsync += e =>
        {
            received.Enqueue(e.Token);
            return Task.CompletedTask;
        };

        CumulocityToken first = await provider.StartAsync();

        Assert.Equal(TimeSpan.FromSeconds(6), first.Lifetime);
        Assert.Equal(first.ReceivedAt + TimeSpan.FromSeconds(3), first.RefreshAt);
        Assert.Equal(peer.Tokens.First().Jwt, first.Value);
        Assert.DoesNotContain(first.Value, first.ToString(), StringComparison.Ordinal);

        var failures = new ConcurrentQueue<string>();
        provider.RefreshFailedAsync += e =>
        {
            failures.Enqueue(e.Message);
            return Task.CompletedTask;
        };
        client.DisconnectedAsync += e =>
        {
            failures.Enqueue("disconnected: " + e.Reason);
            return Task.CompletedTask;
        };
        client.ConnectionAttemptFailedAsync += e =>
        {
            failures.Enqueue("attempt: " + e.Reason);
            return Task.CompletedTask;
        };
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (received.Count < 2 && watch.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(50);
        }

        Assert.True(received.Count >= 2, $"no refreshed token; tokens issued {peer.Tokens.Count}; connections: {string.Join(" | ", peer.Connections)}; events: {string.Join(" | ", failures)}");

        CumulocityToken second = received.ElementAt(1);
        TimeSpan gap = second.ReceivedAt - first.ReceivedAt;
        output.WriteLine($"first token {first}, second after {gap.TotalSeconds:0.00} s; connections: {string.Join(" | ", peer.Connections)}");
        Assert.InRange(gap, TimeSpan.FromSeconds(2.9), TimeSpan.FromSeconds(5.5));
        Assert.Same(second, provider.CurrentToken);
        Assert.True(second.ExpiresAt > first.ExpiresAt);

        // The peer dropped the first connection after the first token: the second token came over the reconnection,
        // which renewed the s/dat subscription.
        Assert.Contains(connected, e => e.IsReconnect);
        Assert.Equal(2, peer.Tokens.ElementAt(1).ConnectionIndex);
        Assert.All(peer.Connections, c => Assert.Equal((TestPki.CumulocityHost, "c8y-device-1", "c8y-device-1", "accepted"), (c.Sni, c.ClientId, c.CommonName, c.Outcome)));
    }

    [Fact]
    public async Task A_client_id_other_than_the_cn_is_refused_with_a_result_not_an_exception()
    {
        await using var peer = new FakeCumulocityPeer(_pki, tokenLifetimeSeconds: 60);
        var options = Options(peer, _pki.Device("c8y-device-2"));
        options.ClientId = "someone-else";
        await using var client = new MqttDeviceClient(options);

        MqttConnectResult result = await client.ConnectAsync();

        Assert.False(result.IsAccepted);
        Assert.Equal(MqttConnectReturnCode.IdentifierRejected, result.ReturnCode);
        Assert.Contains("refused the client id 'someone-else'", result.Reason, StringComparison.Ordinal);
        Assert.False(client.IsConnected);
    }

    [Fact]
    public async Task Connecting_by_ip_without_target_host_sends_no_sni()
    {
        await using var peer = new FakeCumulocityPeer(_pki, tokenLifetimeSeconds: 60);
        var options = Options(peer, _pki.Device("c8y-device-3"), targetHost: null);
        options.SslProtocols = SslProtocols.Tls12;
        await using var client = new MqttDeviceClient(options);

        var e = await Assert.ThrowsAsync<MqttConnectException>(() => client.ConnectAsync());

        Assert.Equal(MqttConnectError.ConnectionLost, e.Error);
        Assert.Null(Assert.Single(peer.Connections).Sni);
    }

    [Fact]
    public void A_cn_with_a_colon_is_refused_by_the_cumulocity_profile()
    {
        var e = Assert.Throws<MqttCredentialException>(() => MqttClientIdentity.FromCertificate(_pki.Device("d:bad:id").Certificate, MqttClientIdProfile.Cumulocity));
        Assert.Equal(MqttCredentialError.InvalidClientIdentity, e.Error);
        Assert.Contains("must not contain ':'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unanswered_token_request_is_retried_after_the_attempt_timeout()
    {
        await using var peer = new FakeCumulocityPeer(_pki, tokenLifetimeSeconds: 300) { IgnoreTokenRequests = 1 };
        await using var client = new MqttDeviceClient(Options(peer, _pki.Device("c8y-retry")));
        Assert.True((await client.ConnectAsync()).IsAccepted);
        await using var provider = new CumulocityTokenProvider(client, new CumulocityTokenOptions { AttemptTimeout = TimeSpan.FromMilliseconds(500), MaxAttempts = 3 });

        CumulocityToken token = await provider.RequestTokenAsync();

        Assert.Equal(2, peer.TokenRequests);
        Assert.Equal(TimeSpan.FromMinutes(5), token.Lifetime);
    }

    [Theory]
    [InlineData(null, CumulocityTokenError.NoAnswer, "after 2 attempt(s)")]
    [InlineData("71,not-a-jwt", CumulocityTokenError.Malformed, "three dot-separated parts")]
    public async Task A_token_request_fails_with_a_reason_after_its_attempts(string? answer, CumulocityTokenError expected, string sentence)
    {
        await using var peer = new FakeCumulocityPeer(_pki, tokenLifetimeSeconds: 300) { IgnoreTokenRequests = answer is null ? 100 : 0, TokenAnswerOverride = answer };
        await using var client = new MqttDeviceClient(Options(peer, _pki.Device("c8y-fail")));
        Assert.True((await client.ConnectAsync()).IsAccepted);
        await using var provider = new CumulocityTokenProvider(client, new CumulocityTokenOptions { AttemptTimeout = TimeSpan.FromMilliseconds(300), MaxAttempts = 2 });

        var e = await Assert.ThrowsAsync<CumulocityTokenException>(() => provider.RequestTokenAsync());

        Assert.Equal(expected, e.Error);
        Assert.Contains(sentence, e.Message, StringComparison.Ordinal);
        Assert.Equal(2, peer.TokenRequests);
        Assert.Null(provider.CurrentToken);
    }
}
